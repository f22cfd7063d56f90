"""The builds a dashboard server waits for, run by the launcher (`python3 -m app.launcher`, or its `--prepare-only` in
the systemd unit), never by a server process, each once under the ETL's lock, with their progress in the terminal and
in `warehouse/progress.json`, which every dashboard process reads to draw the same progress bar:

- the first start of a data directory that never ran the ETL: write the demo inbox and build it (build_demo);
- after an upgrade, the served snapshot built by an older version of the models: rebuild it from the archive while
  the older one keeps serving (rebuild).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

from etl import lock
from etl.settings import Settings, save_province
from etl.snapshots import RunLog, current_snapshot, process_alive
from etl.version import snapshot_version

# Writing the demo inbox takes about a fifth of the time, the pipeline the rest (measured on the Vĩnh Phúc demo).
DEMO_SHARE = 0.2
STAGE_TEXT = {
    "extract": "Lưu trữ các tệp nhận được",
    "load": "Kiểm tra và nạp từng tệp",
    "models": "Tính các bảng tổng hợp",
    "checks": "Kiểm tra chất lượng số liệu",
    "publish": "Công bố bản dữ liệu",
    "finish": "Hoàn tất",
}
_FILE_COUNT = re.compile(r"\((\d+)/(\d+)\)")
WRITE_EVERY = 0.25  # seconds between two writes of the progress file (the bar polls it about as often)


def progress_path(settings: Settings) -> Path:
    return settings.warehouse / "progress.json"


class FileProgress:
    """How far a build is, as one fraction that only moves forward, written to the progress file as it changes."""

    busy = False  # a rebuild that found another run holding the data directory

    def __init__(self, settings: Settings | None, kind: str = "demo", lead: float = DEMO_SHARE,
                 echo: Callable[[str], None] | None = None, version: str | None = None, message: str | None = None):
        self.settings = settings
        self.kind = kind
        self.version = version  # a rebuild: the model version it builds (a server of that version watches it)
        self.lead = lead  # the share of the bar before the pipeline starts (writing the demo inbox)
        self.echo = echo or (lambda line: None)
        self.fraction = 0.0
        self.message = message or "Chuẩn bị dữ liệu mẫu"
        self.done = self.ok = False
        self.summary = ""
        self.lines: list[str] = []
        self.started_at = dt.datetime.now().isoformat(timespec="seconds")
        self._stage = ""
        self._stage_range = (0.0, 0.0)
        self._written = 0.0
        self._last_demo_line = ""
        self.write(force=True)

    def on_demo(self, message: str, fraction: float) -> None:
        self.fraction = max(self.fraction, self.lead * max(0.0, min(fraction, 1.0)))
        self.message = f"Tạo hộp thư dữ liệu mẫu: {message}"
        if message != self._last_demo_line:  # the demo reports the same step many times as it moves
            self._last_demo_line = message
            self.echo(f"[demo {fraction:4.0%}] {message}")
        self.write()

    def on_stage(self, stage: str, fraction: float) -> None:
        from etl.pipeline import STAGES

        start = self.lead + (1 - self.lead) * fraction
        self._stage = stage
        self._stage_range = (start, start + (1 - self.lead) / len(STAGES))
        self.fraction = max(self.fraction, start)
        self.message = STAGE_TEXT.get(stage, stage)
        self.write()

    def on_line(self, line: str) -> None:
        self.lines.append(line)
        self.echo(line)
        # Loading is the longest stage; its lines count files "(n/N)", which moves the bar within the stage.
        match = _FILE_COUNT.search(line) if self._stage == "load" else None
        if match:
            n, total = int(match.group(1)), int(match.group(2))
            low, high = self._stage_range
            self.fraction = max(self.fraction, low + (high - low) * n / max(total, 1))
            self.message = f"{STAGE_TEXT['load']} ({n}/{total})"
        self.write()

    def finish(self, ok: bool, summary: str) -> None:
        self.fraction, self.done, self.ok, self.summary = 1.0, True, ok, summary
        self.write(force=True)

    def state(self) -> dict:
        return {"pid": os.getpid(), "kind": self.kind, "version": self.version, "fraction": round(self.fraction, 4),
                "message": self.message,
                "done": self.done, "ok": self.ok, "summary": self.summary, "started_at": self.started_at,
                "lines": self.lines[-200:]}

    def write(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.settings is None or (not force and now - self._written < WRITE_EVERY):
            return
        self._written = now
        path = progress_path(self.settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.state(), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)


def read_progress(settings: Settings) -> dict | None:
    """The state of the build this data directory last ran or is running, or None when none ever ran here.
    A build whose process died before it finished is reported done and failed."""
    try:
        state = json.loads(progress_path(settings).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    if not state.get("done") and not process_alive(state.get("pid")):
        what = "dựng lại bản dữ liệu" if state.get("kind") == "rebuild" else "dựng dữ liệu mẫu"
        state.update(done=True, ok=False, summary=f"Quá trình {what} đã dừng giữa chừng (tiến trình không còn chạy). "
                                                   "Khởi động lại chương trình (python3 -m app.launcher) để dựng lại.")
    return state


def building(settings: Settings) -> dict | None:
    """The build running now on this data directory (its progress state), or None."""
    state = read_progress(settings)
    return state if state is not None and not state["done"] else None


def needs_demo(settings: Settings) -> bool:
    """Only a data directory that never ran the ETL gets the demo: a real province's failed runs must not be papered
    over with invented data. A demo build that started here (and may still run) counts as the demo's."""
    state = read_progress(settings)
    return (state is not None and state.get("kind") == "demo") or not RunLog(settings).runs()


def build_demo(settings: Settings, echo: Callable[[str], None] | None = None):
    """Write the demo inbox and build it, holding the data directory; returns the pipeline's RunResult.
    Raises etl.lock.Busy at once when another process holds the directory (it is building; watch its progress)."""
    from etl.demo import write_demo_inbox
    from etl.pipeline import Progress, run

    with lock.hold(settings):
        tracker = FileProgress(settings, kind="demo", echo=echo)
        try:
            save_province(settings)
            write_demo_inbox(settings.inbox, settings.province_code, progress=tracker.on_demo)
            result = run(settings, Progress(sink=tracker.on_line, on_fraction=tracker.on_stage))
        except BaseException as exc:
            tracker.finish(False, f"Không dựng được dữ liệu mẫu: {type(exc).__name__}: {exc}")
            raise
        tracker.finish(result.snapshot is not None, result.summary())
        return result


REBUILD_BUSY = "Một lần chạy nạp số liệu khác đang diễn ra; nó sẽ dựng lại bản dữ liệu, có khi kết thúc."


def rebuild_needed(settings: Settings) -> bool:
    """The served snapshot was built by an older version of the models (the code was upgraded since)."""
    from etl import pipeline

    served = current_snapshot(settings)
    return served is not None and snapshot_version(served) != pipeline.MODEL_VERSION


def rebuild(settings: Settings, echo: Callable[[str], None] | None = None) -> FileProgress | None:
    """After an upgrade: rebuild the served snapshot from the archive with this version's models, holding the data
    directory, while the older snapshot keeps serving; its progress goes to the progress file (kind "rebuild", with
    the version it builds). Returns the finished progress, or None when there was nothing to do (another process
    rebuilt it first). Raises etl.lock.Busy when another run holds the directory: that run rebuilds (a run on an
    older version's snapshot always does), so nothing is written that a server would have to show."""
    from etl import pipeline

    with lock.hold(settings):
        if not rebuild_needed(settings):
            return None
        tracker = FileProgress(settings, kind="rebuild", lead=0.0, echo=echo, version=pipeline.MODEL_VERSION,
                               message="Dựng lại bản dữ liệu")
        try:
            result = pipeline.run(settings, pipeline.Progress(sink=tracker.on_line, on_fraction=tracker.on_stage),
                                  rebuild=True)
        except BaseException as exc:
            tracker.finish(False, f"Không dựng lại được bản dữ liệu: {type(exc).__name__}: {exc}")
            raise
        tracker.finish(result.snapshot is not None, result.summary())
        return tracker


def rebuild_told(settings: Settings, echo: Callable[[str], None]) -> int:
    """rebuild(), told through `echo` (the launcher's terminal, the prepare unit's journal). Returns 0 when rebuilt,
    when there was nothing to do or when another run holds the directory (that run rebuilds), 1 when it failed."""
    try:
        done = rebuild(settings, echo=echo)
    except lock.Busy:
        echo(REBUILD_BUSY)
        return 0
    except Exception as exc:  # noqa: BLE001 — told here; the run log keeps the pipeline's own record
        echo(f"Không dựng lại được bản dữ liệu: {type(exc).__name__}: {exc}")
        return 1
    if done is None:
        echo("Bản dữ liệu đã được dựng lại bằng phiên bản này (bởi một tiến trình khác).")
        return 0
    echo(done.summary)
    return 0 if done.ok else 1
