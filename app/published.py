"""What the ETL published, as the dashboard reads it on every page run: the snapshot served, and the run log (the
frame's freshness lines, the refused files)."""
from __future__ import annotations

from app.memo import cached
from etl.settings import Settings
from etl.snapshots import RunLog, current_name, list_snapshots, process_alive, snapshots_dir


def run_log(settings: Settings) -> list[dict]:
    """Every ETL run, failed ones included (they publish no snapshot, so the log lives beside the snapshots), oldest
    first. The file is read again only when it changed (its size and time); whether a run recorded as running still
    runs is asked on every call (its process may have been killed since, which the file does not record)."""
    log = RunLog(settings)
    try:
        stat = log.path.stat()
    except FileNotFoundError:
        return []
    runs = []
    for run in _runs(settings, stat.st_mtime_ns, stat.st_size):
        run = dict(run)  # the caller's own: the cached records stay as read
        if run.get("status") == "running" and not process_alive(run.get("pid")):
            run["status"] = "interrupted"
        runs.append(run)
    return runs


@cached
def _runs(settings: Settings, mtime_ns: int, size: int) -> tuple[dict, ...]:
    return tuple(sorted(RunLog(settings).runs(), key=lambda r: str(r.get("started_at") or r.get("run_id"))))


def snapshot_path(settings: Settings) -> str | None:
    """The snapshot served, read on every run so a new publication is seen at once (served_snapshot)."""
    return served_snapshot(settings)[0]


def served_snapshot(settings: Settings) -> tuple[str | None, str | None]:
    """(the snapshot served, the name CURRENT gives when that file is missing). The snapshot CURRENT points at; when
    its file is gone (deleted by hand, a disk fault), the newest snapshot that remains, so that the last good data
    keeps serving until the next run publishes (the frame says so)."""
    named = current_name(settings)
    path = snapshots_dir(settings) / named if named else None
    if path is None or path.exists():
        return (str(path) if path else None), None
    remaining = [p for p in list_snapshots(settings) if p.name != named]
    return (str(remaining[-1]) if remaining else None), named
