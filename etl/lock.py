"""The lock on a data directory: one ETL run at a time (the nightly job, a manual run, the launcher's first build and
its rebuild after an upgrade; dashboard servers never build, they only ask whether a build holds the directory).

An `flock` on `warehouse/etl.lock`, released by the kernel when the holder dies, so a killed run never leaves the
directory locked. Re-entrant inside one thread: the launcher holds it while it writes the demo inbox and then runs
the pipeline, which takes it again (a second flock on another descriptor of the same file would refuse); another
thread of the same process finds it busy, as another process would.
"""
from __future__ import annotations

import contextlib
import fcntl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from etl.settings import Settings

_GUARD = threading.Lock()
_HELD: dict[Path, tuple[object, int, int]] = {}  # lock file -> (open file, depth, thread) held by this process


# A server process asking is_held() holds a shared lock for an instant: a run that meets it tries again this long
# before it counts the directory as busy.
PROBE_GRACE = 0.3


class Busy(Exception):
    """Another process holds the data directory."""


def lock_path(settings: Settings) -> Path:
    return settings.warehouse / "etl.lock"


@contextlib.contextmanager
def hold(settings: Settings) -> Iterator[None]:
    """Hold the data directory for the block, or raise Busy at once when another process (or thread) holds it."""
    path = lock_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    me = threading.get_ident()
    with _GUARD:
        held = _HELD.get(path)
        if held is not None and held[2] != me:
            raise Busy(str(path))
        if held is not None:
            _HELD[path] = (held[0], held[1] + 1, me)
        else:
            fh = open(path, "a+")
            deadline = time.monotonic() + PROBE_GRACE
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        fh.close()
                        raise Busy(str(path)) from None
                    time.sleep(0.02)
            _HELD[path] = (fh, 1, me)
    try:
        yield
    finally:
        with _GUARD:
            fh, depth, owner = _HELD[path]
            if depth > 1:
                _HELD[path] = (fh, depth - 1, owner)
            else:
                del _HELD[path]
                fcntl.flock(fh, fcntl.LOCK_UN)
                fh.close()


def is_held(settings: Settings) -> bool:
    """Whether some process (this one included) holds the data directory now. Asked with a shared lock, so that
    servers asking at once never see each other as the holder (and a run meeting the probe waits PROBE_GRACE)."""
    path = lock_path(settings)
    if path in _HELD:
        return True
    if not path.exists():
        return False
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False
