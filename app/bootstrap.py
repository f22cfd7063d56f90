"""Builds the dashboard starts itself, with their progress in the browser: on a first start with no snapshot, write
the demo inbox and build it; after an upgrade, rebuild the served snapshot from the archive (the older snapshot keeps
serving meanwhile).

The build runs in a background thread, not in the script run: a viewer who clicks while it runs makes Streamlit
abandon the script run (a BaseException the pipeline cannot catch), and a build killed half-way would leave an
interrupted run in the log. Every session of the process watches the same build.
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

import streamlit as st

from etl.settings import Settings, save_province
from etl.snapshots import RunLog

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


@dataclass
class Build:
    settings: Settings
    lead: float = DEMO_SHARE  # the share of the bar before the pipeline starts (writing the demo inbox)
    fraction: float = 0.0
    message: str = "Chuẩn bị dữ liệu mẫu"
    done: bool = False
    ok: bool = False
    busy: bool = False  # another run held the data directory: it will publish the rebuilt snapshot itself
    summary: str = ""
    lines: list[str] = field(default_factory=list)
    _stage: str = ""
    _stage_range: tuple[float, float] = (0.0, 0.0)

    def on_demo(self, message: str, fraction: float) -> None:
        self.fraction = DEMO_SHARE * max(0.0, min(fraction, 1.0))
        self.message = f"Tạo hộp thư dữ liệu mẫu: {message}"

    def on_stage(self, stage: str, fraction: float) -> None:
        from etl.pipeline import STAGES

        start = self.lead + (1 - self.lead) * fraction
        self._stage = stage
        self._stage_range = (start, start + (1 - self.lead) / len(STAGES))
        self.fraction = start
        self.message = STAGE_TEXT.get(stage, stage)

    def on_line(self, line: str) -> None:
        self.lines.append(line)
        # Loading is the longest stage; its lines count files "(n/N)", which moves the bar within the stage.
        match = _FILE_COUNT.search(line) if self._stage == "load" else None
        if match:
            n, total = int(match.group(1)), int(match.group(2))
            low, high = self._stage_range
            self.fraction = low + (high - low) * n / max(total, 1)
            self.message = f"{STAGE_TEXT['load']} ({n}/{total})"


_LOCK = threading.Lock()
_BUILDS: dict[str, Build] = {}


def _work(build: Build) -> None:
    from etl.demo import write_demo_inbox
    from etl.pipeline import Progress, run

    try:
        save_province(build.settings)
        write_demo_inbox(build.settings.inbox, build.settings.province_code, progress=build.on_demo)
        result = run(build.settings, Progress(sink=build.on_line, on_fraction=build.on_stage))
        build.ok = result.snapshot is not None
        build.summary = result.summary()
    except Exception as exc:  # noqa: BLE001 — shown to the viewer; the run log keeps the pipeline's own record
        build.summary = f"Không dựng được dữ liệu mẫu: {exc}"
    finally:
        build.fraction, build.done = 1.0, True


def start_demo_build(settings: Settings) -> Build:
    """The build of this data directory, started once per process however many sessions ask."""
    key = str(settings.data_dir)
    with _LOCK:
        build = _BUILDS.get(key)
        if build is None:
            build = _BUILDS[key] = Build(settings)
            threading.Thread(target=_work, args=(build,), name="demo-build", daemon=True).start()
    return build


def _rebuild(build: Build) -> None:
    from etl.pipeline import Progress, run

    try:
        result = run(build.settings, Progress(sink=build.on_line, on_fraction=build.on_stage), rebuild=True)
        build.ok = result.snapshot is not None
        build.busy = result.status == "busy"
        build.summary = ("Một lần chạy nạp số liệu khác đang diễn ra; nó sẽ dựng lại bản dữ liệu, có khi kết thúc."
                         if build.busy else result.summary())
    except Exception as exc:  # noqa: BLE001 — shown to the viewer; the run log keeps the pipeline's own record
        build.summary = f"Không dựng lại được bản dữ liệu: {exc}"
    finally:
        build.fraction, build.done = 1.0, True


def start_rebuild(settings: Settings, version: str) -> Build:
    """After an upgrade to model version `version`: the rebuild of this data directory from its archive, started
    once per process and version however many sessions ask. The ETL's lock keeps it from running beside the nightly
    job (it then ends as "busy", and that run rebuilds instead)."""
    key = f"{settings.data_dir}#rebuild#{version}"
    with _LOCK:
        build = _BUILDS.get(key)
        if build is None:
            build = _BUILDS[key] = Build(settings, lead=0.0, message="Dựng lại bản dữ liệu")
            threading.Thread(target=_rebuild, args=(build,), name="rebuild", daemon=True).start()
    return build


def may_build_demo(settings: Settings) -> bool:
    """Only a data directory that never ran the ETL gets the demo: a real province's failed runs must not be
    papered over with invented data."""
    return str(settings.data_dir) in _BUILDS or not RunLog(settings).runs()


def _province_name(settings: Settings) -> str:
    from etl.units import UnitRegistry

    try:
        return UnitRegistry.load(settings.province_code).province_name
    except Exception:  # noqa: BLE001 — an unknown code: the build reports it; the heading need not fail
        return f"tỉnh mã {settings.province_code}"


def show_build(settings: Settings) -> None:
    """Draw the progress of the demo build until it ends, then rerun onto the new snapshot (or show why not)."""
    st.title("Chuẩn bị dữ liệu lần đầu")
    st.write(f"Chưa có bản dữ liệu nào được công bố. Hệ thống đang tạo bộ dữ liệu mẫu ({_province_name(settings)}) "
             "và chạy quy trình nạp số liệu; việc này mất khoảng nửa phút.")
    build = start_demo_build(settings)
    bar = st.progress(0.0, text=build.message)
    while not build.done:
        bar.progress(min(build.fraction, 1.0), text=build.message)
        time.sleep(0.3)
    bar.progress(1.0, text=build.message)
    if build.ok:
        st.rerun()
    st.error(build.summary)
    with st.expander("Nhật ký quy trình nạp số liệu"):
        st.code("\n".join(build.lines[-200:]) or "(trống)", language=None)
    st.stop()
