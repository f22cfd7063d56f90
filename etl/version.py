"""The version of the warehouse's models: a digest of the ETL's code, SQL and shipped defaults (the demo's
generators and first start, the command line, the lock and the docs generator left out).

A snapshot records the version that built it (meta.snapshot.model_version). After an upgrade the next ETL run rebuilds
from the archive even when no new file arrived, and the dashboard rebuilds in the background meanwhile: a page of the
new version never has to read tables an older version wrote.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

ETL_DIR = Path(__file__).resolve().parent


# Code that cannot change what a build makes of the archive: the demo's generators (they write inbox files, which
# the archive then keeps) and the first start that runs them, the command line and its Vietnamese words, the lock,
# and the marts document; and the copies of kept snapshots (etl/copies.py: it only chooses the files, those a snapshot
# lists, and where the result goes; what a build makes of them is the pipeline's code, which counts).
NOT_MODELS = ("demo*.py", "firststart.py", "__main__.py", "argparse_vi.py", "lock.py", "docs.py", "copies.py")


def _digest() -> str:
    h = hashlib.sha256()
    files = {p for pattern in ("*.py", "*.sql", "*.toml") for p in ETL_DIR.rglob(pattern)}
    files -= {p for pattern in NOT_MODELS for p in ETL_DIR.glob(pattern)}
    for path in sorted(files):
        h.update(path.relative_to(ETL_DIR).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:16]


MODEL_VERSION = _digest()


def snapshot_version(snapshot: Path | str | None, con=None) -> str | None:
    """The model version a snapshot was built with; None when it has none (built before versions were recorded).
    con: a connection to it already open (the dashboard's), else one is opened for the question."""
    if snapshot is None:
        return None
    import duckdb

    with (duckdb.connect(str(snapshot), read_only=True) if con is None else con.cursor()) as cur:
        cols = {r[0] for r in cur.execute("SELECT column_name FROM information_schema.columns "
                                          "WHERE table_schema = 'meta' AND table_name = 'snapshot'").fetchall()}
        if "model_version" not in cols:
            return None
        row = cur.execute("SELECT model_version FROM meta.snapshot").fetchone()
    return row[0] if row else None
