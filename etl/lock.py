"""The lock on a data directory: one ETL run at a time (the nightly job, a manual run, the launcher's first build).

An `flock` on `warehouse/etl.lock`, released by the kernel when the holder dies, so a killed run never leaves the
directory locked. Re-entrant inside one process: the launcher holds it while it writes the demo inbox and then runs
the pipeline, which takes it again (a second flock on another descriptor of the same file would refuse).
"""
from __future__ import annotations

import contextlib
import fcntl
import threading
from collections.abc import Iterator
from pathlib import Path

from etl.settings import Settings

_GUARD = threading.Lock()
_HELD: dict[Path, tuple[object, int]] = {}  # lock file -> (open file, depth) held by this process


class Busy(Exception):
    """Another process holds the data directory."""


def lock_path(settings: Settings) -> Path:
    return settings.warehouse / "etl.lock"


@contextlib.contextmanager
def hold(settings: Settings) -> Iterator[None]:
    """Hold the data directory for the block, or raise Busy at once when another process holds it."""
    path = lock_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _GUARD:
        held = _HELD.get(path)
        if held is not None:
            _HELD[path] = (held[0], held[1] + 1)
        else:
            fh = open(path, "a+")
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.close()
                raise Busy(str(path)) from None
            _HELD[path] = (fh, 1)
    try:
        yield
    finally:
        with _GUARD:
            fh, depth = _HELD[path]
            if depth > 1:
                _HELD[path] = (fh, depth - 1)
            else:
                del _HELD[path]
                fcntl.flock(fh, fcntl.LOCK_UN)
                fh.close()


def is_held(settings: Settings) -> bool:
    """Whether some process (this one included) holds the data directory now."""
    path = lock_path(settings)
    if path in _HELD:
        return True
    if not path.exists():
        return False
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False
