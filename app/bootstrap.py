"""Builds the dashboard waits for, with their progress in the browser.

First start: a data directory that never ran the ETL gets the demo, written and built by the launcher
(`python3 -m app.launcher`) before anyone needs to open the page; every session draws that build's progress from
`warehouse/progress.json`. Started with `streamlit run dashboard.py` instead (a developer), the first session starts
the same build in a background thread; the ETL's lock makes sure one build runs whoever asks.

After an upgrade: the served snapshot was built by an older version of the models; it is rebuilt from the archive in
a background thread while the older one keeps serving.

Builds run in threads, not in the script run: a viewer who clicks while it runs makes Streamlit abandon the script
run (a BaseException the pipeline cannot catch), and a build killed half-way would leave an interrupted run in the log.
"""
from __future__ import annotations

import threading
import time

import streamlit as st

from app import formatting as F

from etl import firststart, lock
from etl.settings import Settings

_LOCK = threading.Lock()
_BUILDS: dict[str, firststart.FileProgress] = {}


def _demo_work(settings: Settings) -> None:
    try:
        firststart.build_demo(settings)
    except lock.Busy:
        pass  # another process (the launcher, another server) builds it: the progress file tells how far
    except Exception:  # noqa: BLE001 — recorded in the progress file and the run log, shown to the viewer
        pass


def start_demo_build(settings: Settings) -> None:
    """The demo build of this data directory, unless one is running or ran already (in any process)."""
    with _LOCK:
        key = str(settings.data_dir)
        if key in _BUILDS or firststart.read_progress(settings) is not None or lock.is_held(settings):
            return
        _BUILDS[key] = firststart.FileProgress(None)  # marks it started in this process; the file holds the state
        threading.Thread(target=_demo_work, args=(settings,), name="demo-build", daemon=True).start()


def _rebuild(build: firststart.FileProgress, settings: Settings) -> None:
    from etl.pipeline import Progress, run

    try:
        result = run(settings, Progress(sink=build.on_line, on_fraction=build.on_stage), rebuild=True)
        build.busy = result.status == "busy"
        build.finish(result.snapshot is not None,
                     "Một lần chạy nạp số liệu khác đang diễn ra; nó sẽ dựng lại bản dữ liệu, có khi kết thúc."
                     if build.busy else result.summary())
    except Exception as exc:  # noqa: BLE001 — shown to the viewer; the run log keeps the pipeline's own record
        build.finish(False, f"Không dựng lại được bản dữ liệu: {exc}")


def start_rebuild(settings: Settings, version: str) -> firststart.FileProgress:
    """After an upgrade to model version `version`: the rebuild of this data directory from its archive, started
    once per process and version however many sessions ask. The ETL's lock keeps it from running beside the nightly
    job (it then ends as "busy", and that run rebuilds instead)."""
    key = f"{settings.data_dir}#rebuild#{version}"
    with _LOCK:
        build = _BUILDS.get(key)
        if build is None:
            build = _BUILDS[key] = firststart.FileProgress(None, kind="rebuild", lead=0.0)
            build.message = "Dựng lại bản dữ liệu"
            threading.Thread(target=_rebuild, args=(build, settings), name="rebuild", daemon=True).start()
    return build


def _province_name(settings: Settings) -> str:
    from etl.units import UnitRegistry

    try:
        return UnitRegistry.load(settings.province_code).province_name
    except Exception:  # noqa: BLE001 — an unknown code: the build reports it; the heading need not fail
        return f"tỉnh mã {settings.province_code}"


def show_build(settings: Settings) -> None:
    """Draw the progress of the demo build until it ends, then rerun onto the new snapshot (or show why not)."""
    st.title("Chuẩn bị dữ liệu lần đầu")
    st.write(f"Chưa có bản dữ liệu nào được công bố. Hệ thống đang tạo bộ dữ liệu mẫu ({F.md(_province_name(settings))}) "
             "và chạy quy trình nạp số liệu; đo trên máy 2 lõi, việc này mất khoảng 15 giây.")
    start_demo_build(settings)
    bar = st.progress(0.0, text="Chuẩn bị dữ liệu mẫu")
    deadline = time.monotonic() + 10
    while True:
        state = firststart.read_progress(settings)
        if state is None:  # the build thread has not written its first state yet
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
            continue
        bar.progress(min(float(state["fraction"]), 1.0), text=F.md(state["message"]))
        if state["done"]:
            break
        time.sleep(0.3)
    if state and state["ok"]:
        st.rerun()
    st.error(F.md((state or {}).get("summary")) if (state or {}).get("summary") else "Chưa bắt đầu dựng được dữ liệu mẫu.")
    with st.expander("Nhật ký quy trình nạp số liệu"):
        st.code("\n".join((state or {}).get("lines", [])) or "(trống)", language=None)
    st.stop()
