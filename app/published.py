"""What the ETL published, as the dashboard reads it on every page run: the snapshot served, and the run log (the
frame's freshness lines, the refused files).

The snapshot served is the one CURRENT names, but for a while after a publication: while the warm-up of the caches
(app/warm.py) draws every page of the new snapshot in every server process, viewers keep the snapshot that is warm
already, so that the first of them do not each pay for the first drawing of their pages (about 240 ms of server CPU a
page, against 33 ms warm). Only while a warm-up runs (its status file beats), for at most HOLD_SECONDS after CURRENT
changed, and while that snapshot's file is there; the warm-up's own sessions (WARM_HEADER) get the new one.
"""
from __future__ import annotations

import json
import time

import streamlit as st

from app.memo import cached
from etl.settings import Settings
from etl.snapshots import RunLog, current_name, list_snapshots, process_alive, snapshots_dir

WARM_STATUS = ("run", "warm.json")  # under the data directory: written by app/warm.py, read here
WARM_HEADER = "X-Bcd-Lam-Nong"  # the warm-up's websockets send it (the proxy strips it from viewers' requests)
HOLD_SECONDS = 120.0  # viewers move onto a new snapshot this long after its publication at the latest
BEAT_SECONDS = 5.0  # the warm-up writes its status this often
STALE_SECONDS = 30.0  # a status older than this: no warm-up runs (killed, stopped), nothing is held


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
        held = _held(settings, named) if named else None
        return held or (str(path) if path else None), None
    remaining = [p for p in list_snapshots(settings) if p.name != named]
    return (str(remaining[-1]) if remaining else None), named


def warm_status_path(settings: Settings):
    return settings.data_dir.joinpath(*WARM_STATUS)


def _held(settings: Settings, named: str) -> str | None:
    """The snapshot to serve instead of `named`, just published, while the warm-up draws its pages: the one warm in
    every server process (the status file's `warm`), if a warm-up beats, `named` came less than HOLD_SECONDS ago, the
    file is there and this is not the warm-up's own session; else None."""
    try:
        status = json.loads(warm_status_path(settings).read_text(encoding="utf-8"))
        warm, now = status.get("warm"), time.time()
        if not isinstance(warm, str) or warm == named or now - float(status["beat"]) > STALE_SECONDS:
            return None
        if now - (settings.warehouse / "CURRENT").stat().st_mtime > HOLD_SECONDS:
            return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # no warm-up here (no file, or one cut short): CURRENT, as without one
    previous = snapshots_dir(settings) / warm
    if previous.name != warm or not previous.exists() or _warming():
        return None
    return str(previous)


def _warming() -> bool:
    """Whether this page run is the warm-up's own (its websocket's handshake sent WARM_HEADER)."""
    try:
        return bool(st.context.headers.get(WARM_HEADER))
    except Exception:  # noqa: BLE001 — no request behind the run (a script run outside a server)
        return False
