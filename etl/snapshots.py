"""Versioned snapshot files and the CURRENT pointer; the run log beside them.

The dashboard holds a snapshot open read-only while the ETL writes a different, new file, then switches
CURRENT with os.replace: a reader sees the old file or the new one, never half of one. DuckDB locks a file
it writes, and reuses an open database for the same path inside one process, so every build gets a new name.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sys
from pathlib import Path

from etl.settings import Settings


def snapshots_dir(settings: Settings) -> Path:
    return settings.warehouse / "snapshots"


def building_dir(settings: Settings) -> Path:
    return settings.warehouse / "building"


def new_snapshot_name(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now()
    return now.strftime("%Y-%m-%dT%H%M%S_%f") + ".duckdb"


def current_name(settings: Settings) -> str | None:
    """The file name CURRENT gives (None: nothing was ever published), whether or not that file still exists."""
    try:
        return (settings.warehouse / "CURRENT").read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def current_snapshot(settings: Settings) -> Path | None:
    name = current_name(settings)
    path = snapshots_dir(settings) / name if name else None
    return path if path and path.exists() else None


def snapshot_province(snapshot: Path) -> str | None:
    """The province a snapshot was built for (meta.snapshot.province_code); None when it does not say."""
    import duckdb

    with duckdb.connect(str(snapshot), read_only=True) as con:
        found = con.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'meta' "
                            "AND table_name = 'snapshot' AND column_name = 'province_code'").fetchone()[0]
        row = con.execute("SELECT province_code FROM meta.snapshot").fetchone() if found else None
    return str(row[0]) if row and row[0] else None


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def publish(settings: Settings, built: Path) -> Path:
    """Move a finished, closed database into place and point CURRENT at it."""
    wal = built.with_name(built.name + ".wal")
    if wal.exists():  # a stale WAL beside a swapped-in file makes every later open fail
        raise RuntimeError(f"{wal.name} còn tồn tại: cơ sở dữ liệu chưa được đóng đúng cách")
    target = snapshots_dir(settings) / built.name
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(built, target)
    _write_atomic(settings.warehouse / "CURRENT", target.name + "\n")
    return target


def state(settings: Settings):
    """The data directory's state database (app.state.State, its one door), where the pins are kept. Imported here,
    not with the ETL: only the commands that pin, list or prune need it. The first time, warehouse/pins.json (where
    pins were kept before) is imported, then renamed pins.json.migrated."""
    from app.state import State

    store = State(settings.data_dir / "state" / "state.sqlite3")
    old = settings.warehouse / "pins.json"
    if old.exists():
        try:
            entries = json.loads(old.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return store  # migrated meanwhile by another process
        except json.JSONDecodeError as error:  # never prune while the pins cannot be read
            raise RuntimeError(f"không đọc được {old}: {error}; sửa tệp rồi chạy lại") from None
        store.import_pins(entries, by="pins.json")
        with contextlib.suppress(FileNotFoundError):
            os.replace(old, old.with_name("pins.json.migrated"))
    return store


def pins(settings: Settings) -> dict[str, str]:
    """{snapshot file name: label} of the pinned snapshots."""
    return state(settings).pins()


def pin(settings: Settings, snapshot_name: str, label: str, by: str | None = None) -> None:
    """Keep a snapshot for a briefing, whatever the retention count."""
    if not (snapshots_dir(settings) / snapshot_name).exists():
        raise FileNotFoundError(snapshot_name)
    state(settings).pin(snapshot_name, label, by)


def unpin(settings: Settings, snapshot_name: str) -> None:
    """Raises ValueError for a briefing's snapshot (kept for good)."""
    state(settings).unpin(snapshot_name)


def list_snapshots(settings: Settings) -> list[Path]:
    folder = snapshots_dir(settings)
    return sorted(folder.glob("*.duckdb")) if folder.exists() else []


def prune(settings: Settings) -> list[str]:
    """Delete snapshots beyond the newest N, sparing pinned ones, briefings' and the current one."""
    keep = {p.name for p in list_snapshots(settings)[-settings.keep_snapshots:]}
    try:
        keep |= state(settings).kept_snapshots()  # pinned, or a briefing's
    except Exception as error:  # noqa: BLE001 — never delete what may be pinned; the run itself has succeeded
        print(f"Không đọc được danh sách bản dữ liệu được giữ ({error}): lần này không xóa bản dữ liệu cũ nào.",
              file=sys.stderr)
        return []
    cur = current_snapshot(settings)
    if cur:
        keep.add(cur.name)
    removed = []
    for path in list_snapshots(settings):
        if path.name not in keep:
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed + [f"copies/{name}" for name in prune_copies(settings)]


def prune_copies(settings: Settings) -> list[str]:
    """Delete the rebuilt copies (etl/copies.py, warehouse/copies/<stem>.<version>.duckdb, with their status and log)
    whose source snapshot is gone or that another model version built; the names removed. A copy being built (in
    copies/building) is never touched."""
    from etl.version import MODEL_VERSION

    folder = settings.warehouse / "copies"
    if not folder.exists():
        return []
    removed = []
    for path in sorted(folder.glob("*.duckdb")):
        stem, _, version = path.stem.rpartition(".")
        if version != MODEL_VERSION or not (snapshots_dir(settings) / f"{stem}.duckdb").exists():
            for gone in (path, path.with_suffix(".json"), path.with_suffix(".log")):
                gone.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def clean_building(settings: Settings) -> None:
    """Remove what a killed build left behind; it was never published."""
    folder = building_dir(settings)
    if folder.exists():
        shutil.rmtree(folder, ignore_errors=True)


class RunLog:
    """Append-only JSON lines beside the snapshots: a failed run publishes nothing, yet must be recorded."""

    def __init__(self, settings: Settings):
        self.path = settings.warehouse / "runs.jsonl"

    def append(self, record: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record, ensure_ascii=False, default=str)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def runs(self) -> list[dict]:
        """One dict per run: its start merged with its end; a run with no end was interrupted."""
        if not self.path.exists():
            return []
        merged: dict[str, dict] = {}
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by a killed run
            merged.setdefault(rec["run_id"], {}).update(rec)
        for run in merged.values():
            if run.get("status") == "running" and not process_alive(run.get("pid")):
                run["status"] = "interrupted"  # started, never ended: the process was killed
        return list(merged.values())


def process_alive(pid: object) -> bool:
    """Whether the process that wrote a record (a run, a build) still runs."""
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
