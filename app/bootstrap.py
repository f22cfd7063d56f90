"""What a dashboard server shows while the builds it waits for run elsewhere. A server never builds: with several
server processes each would start its own. The launcher (`python3 -m app.launcher`, or `--prepare-only` in the
systemd unit) runs the demo build of a data directory that never ran the ETL, and the rebuild of a snapshot built by an
older version of the models, once, under the ETL's lock (etl/firststart.py); every session of every server draws
their progress from `warehouse/progress.json` and moves onto the new snapshot when `CURRENT` names it.

Nothing here imports the pipeline (tests/test_app_frame.py makes sure a page run never starts one).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

from app import formatting as F

from etl import firststart, lock
from etl.settings import Settings, load_settings
from etl.snapshots import current_snapshot

WHAT_TO_RUN = ("Trên máy chủ, chạy `python3 -m app.launcher` (cài đặt, dựng dữ liệu mẫu rồi chạy bảng điều hành), "
               "hoặc chỉ dựng dữ liệu mẫu bằng `python -m etl demo` (với Python của chương trình, `.venv/bin/python`). "
               "Trang này tự tiếp tục khi quá trình dựng bắt đầu.")


@dataclass(frozen=True)
class Rebuild:
    """How far the rebuild of this version is, as a server sees it: started (a progress file of this version, or
    another run holding the data directory, which rebuilds too) or not."""
    started: bool
    done: bool = False
    ok: bool = False
    busy: bool = False
    fraction: float = 0.0
    message: str = ""
    summary: str = ""


def rebuild_progress(settings: Settings, version: str) -> Rebuild:
    """The rebuild of the served snapshot into model version `version`, read from the progress file (the launcher
    writes it) and the ETL's lock."""
    state = firststart.read_progress(settings)
    if state is not None and state.get("kind") == "rebuild" and state.get("version") == version:
        return Rebuild(True, bool(state["done"]), bool(state["ok"]), False, float(state["fraction"]),
                       state.get("message") or "", state.get("summary") or "")
    if lock.is_held(settings):  # the nightly run or a manual one: a run on an older snapshot rebuilds it
        return Rebuild(True, busy=True, message="Một lần chạy nạp số liệu khác đang diễn ra",
                       summary=firststart.REBUILD_BUSY)
    return Rebuild(False)


def _signature(settings: Settings) -> tuple:
    """What the page was drawn for: the snapshot served and the build running, if any."""
    state = firststart.read_progress(settings)
    running = None if state is None or state["done"] else (state.get("pid"), state.get("started_at"))
    return str(current_snapshot(settings)), running, bool(state and state["done"])


@st.fragment(run_every=1.0)
def _watch(data_dir: str, drawn: tuple) -> None:
    """Keeps a page without a snapshot watching: a snapshot published, or a build started or ended by another
    process (the launcher, `python -m etl demo`, the nightly run), reruns the page."""
    if _signature(load_settings(data_dir=data_dir)) != drawn:
        st.rerun(scope="app")


def watch(settings: Settings) -> None:
    _watch(str(settings.data_dir), _signature(settings))


def _province_name(settings: Settings) -> str:
    from etl.units import UnitRegistry

    try:
        return UnitRegistry.load(settings.province_code).province_name
    except Exception:  # noqa: BLE001 — an unknown code: the build reports it; the heading need not fail
        return f"tỉnh mã {settings.province_code}"


def show_build(settings: Settings) -> None:
    """A data directory that never ran the ETL: draw the progress of the demo build the launcher runs until it ends,
    then rerun onto the new snapshot (or show why not); with no build running, say what to run, and keep watching."""
    state = firststart.read_progress(settings)
    if state is None or state.get("kind") != "demo":
        st.title("Chưa có bản dữ liệu")
        st.info(f"Thư mục dữ liệu {F.md(settings.data_dir)} chưa có bản dữ liệu nào, và chưa có quá trình dựng dữ liệu "
                f"nào đang chạy. {WHAT_TO_RUN}")
        watch(settings)
        st.stop()
    st.title("Chuẩn bị dữ liệu lần đầu")
    st.write(f"Chưa có bản dữ liệu nào được công bố. Hệ thống đang tạo bộ dữ liệu mẫu ({F.md(_province_name(settings))}) "
             "và chạy quy trình nạp số liệu; đo trên máy 2 lõi, việc này mất khoảng 15 giây.")
    bar = st.progress(0.0, text="Chuẩn bị dữ liệu mẫu")
    while True:  # one script run as long as the build: the bar moves without a click
        bar.progress(min(float(state["fraction"]), 1.0), text=F.md(state["message"]))
        if state["done"]:
            break
        time.sleep(0.3)
        state = firststart.read_progress(settings) or state
    if state["ok"] and current_snapshot(settings) is not None:
        st.rerun()
    st.error(F.md(state.get("summary")) if state.get("summary") else "Chưa dựng được dữ liệu mẫu.")
    st.write(WHAT_TO_RUN)
    with st.expander("Nhật ký quy trình nạp số liệu"):
        st.code("\n".join(state.get("lines", [])) or "(trống)", language=None)
    watch(settings)
    st.stop()
