"""The frame every page runs first: freshness and failed runs, a new snapshot without restart, the first start and
the rebuild after an upgrade, which the launcher runs and every server only watches."""
import datetime as dt
import time

import pytest

pytest.register_assert_rewrite("conftest_app")
from builders import platform_csv
from conftest_app import DAO_TRU, open_page, read, texts, write_app_inbox

from etl.pipeline import Progress, run
from etl.settings import load_settings
from etl.snapshots import RunLog, current_snapshot

pytest_plugins = ["conftest_app"]
OVERVIEW = "pages/1_Tong_quan.py"


def headline_dose1(at) -> str:
    return next(m.value for m in at.metric if m.label == "18+ mũi 1")


def test_a_failed_run_is_shown_with_the_age_of_the_data_being_served(use_data, app_copy):
    use_data(app_copy)
    log = RunLog(load_settings(app_copy))
    log.append({"run_id": "20990101T020000", "event": "start", "status": "running",
                "started_at": "2099-01-01T02:00:00"})
    log.append({"run_id": "20990101T020000", "event": "end", "status": "failed", "ended_at": "2099-01-01T02:00:05"})
    at = open_page(OVERVIEW)
    banner = "\n".join(w.value for w in at.warning)
    assert "Lần nạp số liệu lúc 02:00 01/01/2099 THẤT BẠI: không có bản dữ liệu mới" in banner
    assert "Đang hiển thị bản dữ liệu dựng lúc" in banner and ", cũ " in banner
    assert any("THẤT BẠI" in e.value for e in at.sidebar.error)


def test_a_newly_published_snapshot_is_picked_up_on_the_next_interaction(use_data, app_copy):
    use_data(app_copy)
    at = open_page(OVERVIEW)
    assert headline_dose1(at) == "90,20%"
    settings = load_settings(app_copy)
    platform_csv(settings.inbox / "platform/bo_sung.csv", [[DAO_TRU, "10/03/2022", "18+", 1, "Vero Cell", 500]],
                 when=dt.datetime(2022, 3, 12, 8, 0))
    before = current_snapshot(settings)
    assert run(settings, Progress(sink=lambda line: None)).snapshot
    assert current_snapshot(settings) != before
    at.run()  # same session, caches untouched: the snapshot path is part of every cache key
    assert headline_dose1(at) == "92,24%"  # (22.100 + 500) / 24.500


def test_no_snapshot_after_real_runs_explains_instead_of_inventing_data(use_data, tmp_path):
    data = use_data(tmp_path / "data")
    log = RunLog(load_settings(data))
    log.append({"run_id": "20220315T020000", "event": "start", "status": "running",
                "started_at": "2022-03-15T02:00:00"})
    log.append({"run_id": "20220315T020000", "event": "end", "status": "failed", "ended_at": "2022-03-15T02:00:09"})
    at = open_page()
    text = texts(at)
    assert "Chưa có bản dữ liệu" in text and "python -m etl run" in text
    assert "THẤT BẠI" in text
    assert not (data / "inbox").exists()


def tiny_demo(monkeypatch):
    """The demo inbox replaced by the hand-made one (a build of seconds), still reporting its progress."""
    import etl.demo

    def write(inbox, province_code, progress=None, **kwargs):
        progress("Dân số", 0.1)
        write_app_inbox(inbox)
        progress("Xong", 1.0)
        return {"files": {}}

    monkeypatch.setattr(etl.demo, "write_demo_inbox", write)


def no_build_in_the_server(monkeypatch) -> list[str]:
    """A page run that starts a build (the pipeline, the demo's or the rebuild) records it and fails: with several
    server processes each would start its own. Returns the record."""
    import etl.pipeline
    from etl import firststart

    started: list[str] = []

    def refuse(name):
        def call(*args, **kwargs):
            started.append(name)
            raise AssertionError(f"a server process started {name}")
        return call

    monkeypatch.setattr(etl.pipeline, "run", refuse("etl.pipeline.run"))
    monkeypatch.setattr(firststart, "build_demo", refuse("firststart.build_demo"))
    monkeypatch.setattr(firststart, "rebuild", refuse("firststart.rebuild"))
    return started


def test_a_fresh_data_directory_says_what_to_run_starts_no_build_and_continues_after_the_launchers(
        use_data, tmp_path, monkeypatch):
    """A server on a data directory with no snapshot and no build running (`streamlit run dashboard.py`, or a
    systemd unit before its prepare step) builds nothing: it says in Vietnamese what to run and keeps watching; once
    the launcher's one-shot preparation (`--prepare-only`, the same code as the launcher's start) has built the demo,
    the page shows the overview."""
    import json

    from app import launcher
    from etl import firststart

    data = use_data(tmp_path / "data")
    settings = load_settings(data)
    with monkeypatch.context() as server_only:
        started = no_build_in_the_server(server_only)
        at = open_page(timeout=30)
        text = texts(at)
        assert "Chưa có bản dữ liệu" in text
        assert "python3 -m app.launcher" in text and "python -m etl demo" in text
        assert "Trang này tự tiếp tục khi quá trình dựng bắt đầu" in text
        assert started == [] and not settings.inbox.exists() and firststart.read_progress(settings) is None
    seen = []
    tiny_demo(monkeypatch)
    original = firststart.FileProgress.on_stage
    monkeypatch.setattr(firststart.FileProgress, "on_stage",
                        lambda self, stage, fraction: (seen.append(stage), original(self, stage, fraction)))
    assert launcher.main(["--data-dir", str(data), "--prepare-only"]) == 0
    assert seen[:2] == ["extract", "load"] and seen[-1] == "finish"
    state = json.loads(firststart.progress_path(settings).read_text(encoding="utf-8"))
    assert state["ok"] and state["done"] and state["fraction"] == 1.0 and state["kind"] == "demo"
    assert any(line.startswith("[load] (") for line in state["lines"])
    at.run()  # the watching fragment reruns the page when the snapshot is published; AppTest reruns by hand
    assert [t.value for t in at.title] == ["Tổng quan"]
    assert headline_dose1(at) == "90,20%"
    assert current_snapshot(settings) is not None
    # a second preparation finds the demo built: nothing runs again
    assert launcher.main(["--data-dir", str(data), "--prepare-only"]) == 0
    assert len([r for r in RunLog(settings).runs() if r.get("status") == "published"]) == 1


def test_build_progress_only_moves_forward():
    from etl.firststart import FileProgress
    from etl.pipeline import STAGES

    build = FileProgress(settings=None)
    fractions = []
    for i in range(1, 11):
        build.on_demo("tệp", i / 10)
        fractions.append(build.fraction)
    for n, stage in enumerate(STAGES):
        build.on_stage(stage, n / len(STAGES))
        fractions.append(build.fraction)
        if stage == "load":
            for k in range(1, 5):
                build.on_line(f"[load] ({k}/4) platform/a.csv: 10 dòng")
                fractions.append(build.fraction)
            assert build.message == "Kiểm tra và nạp từng tệp (4/4)"
    assert fractions == sorted(fractions) and 0 < fractions[0] and fractions[-1] < 1


def test_a_page_opened_while_another_process_builds_watches_that_build(use_data, tmp_path, monkeypatch):
    """The launcher holds the data directory and writes the progress file; a page opened meanwhile draws that bar and
    starts no build of its own (one build, however many processes and sessions); when that build fails, the page says
    why instead of waiting forever."""
    import fcntl
    import json
    import os

    from etl import firststart

    data = use_data(tmp_path / "data")
    settings = load_settings(data)
    settings.warehouse.mkdir(parents=True)
    progress = firststart.FileProgress(settings)
    progress.on_stage("load", 1 / 6)
    progress.on_line("[load] (3/4) platform/a.csv: 10 dòng")
    progress.write(force=True)
    seen = []
    read_progress = firststart.read_progress

    def read_then_fail(settings):
        # the build fails right after the page has drawn its bar once
        state = read_progress(settings)
        seen.append((state["fraction"], state["message"], state["done"]))
        if not state["done"]:
            progress.finish(False, "Không dựng được dữ liệu mẫu: hỏng")
        return state

    monkeypatch.setattr(firststart, "read_progress", read_then_fail)
    started = no_build_in_the_server(monkeypatch)
    with open(settings.warehouse / "etl.lock", "a+") as held:  # the launcher, as the OS sees it
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        at = open_page(timeout=30)
    # 0,2 + 0,8 × (1/6 + 1/6 × 3/4) = 0,4333: the bar stood in the load stage, on the third file of four
    assert seen[0] == (0.4333, "Kiểm tra và nạp từng tệp (3/4)", False) and seen[-1][2]
    assert "Chuẩn bị dữ liệu lần đầu" in texts(at)
    assert "Không dựng được dữ liệu mẫu: hỏng" in read("\n".join(e.value for e in at.error))
    assert not (settings.inbox).exists() and started == []  # no second build was started
    assert "python3 -m app.launcher" in texts(at)  # what to run to build it again
    assert json.loads(firststart.progress_path(settings).read_text(encoding="utf-8"))["pid"] == os.getpid()


def test_after_an_upgrade_the_launcher_rebuilds_once_under_the_lock_and_pages_move_onto_it(
        use_data, app_copy, monkeypatch):
    """The served snapshot was built by an older version of the program: the launcher's preparation rebuilds it from
    the archive in the background, once, holding the data directory; a page (which starts nothing) shows the rebuild's
    progress in the sidebar, the older snapshot keeps serving, and the next run shows the new snapshot."""
    import threading

    import app.frame as frame_module
    import etl.pipeline as pipeline
    from app import launcher
    from etl import lock
    from etl.version import snapshot_version

    use_data(app_copy)
    settings = load_settings(app_copy)
    before = current_snapshot(settings)
    monkeypatch.setattr(frame_module, "MODEL_VERSION", "phien_ban_moi")
    monkeypatch.setattr(pipeline, "MODEL_VERSION", "phien_ban_moi")
    real_run, go, runs = pipeline.run, threading.Event(), []

    def held_run(settings, progress=None, rebuild=False):
        runs.append((rebuild, lock.is_held(settings)))
        assert go.wait(60)  # held still until the page has drawn its bar
        return real_run(settings, progress, rebuild=rebuild)

    monkeypatch.setattr(pipeline, "run", held_run)
    code, thread = launcher.prepare(settings, background=True)
    assert code == 0 and thread is not None
    deadline = time.monotonic() + 10
    while not runs and time.monotonic() < deadline:
        time.sleep(0.05)
    # a second preparation meanwhile (a thread of its own, as another process would be) finds the directory held
    assert launcher.prepare(settings) == (0, None)
    with monkeypatch.context() as server_only:
        started = no_build_in_the_server(server_only)
        at = open_page()
        assert "Chương trình vừa được cập nhật: đang dựng lại bản dữ liệu" in "\n".join(i.value for i in at.sidebar.info)
        assert any(p.proto.text == "Dựng lại bản dữ liệu" for p in at.get("progress"))
        assert "Số liệu đến ngày **14/03/2022**" in texts(at)  # the older snapshot keeps serving meanwhile
        go.set()
        thread.join(60)
        assert started == []
    assert runs == [(True, True)]  # one rebuild, from the archive, under the lock
    after = current_snapshot(settings)
    assert after != before and snapshot_version(after) == "phien_ban_moi"
    at.run()
    assert not at.exception
    assert not any("Chương trình vừa được cập nhật" in i.value for i in at.sidebar.info)
    rebuilt = [r for r in RunLog(settings).runs() if r.get("status") == "published"][-1]["run_id"]
    assert f"Mã bản dữ liệu (ghi khi báo lỗi): {rebuilt}" in "\n".join(c.value for c in at.sidebar.caption)
    assert launcher.prepare(settings) == (0, None) and len(runs) == 1  # done: nothing to rebuild any more


def test_an_upgrade_while_the_nightly_run_holds_the_data_directory(use_data, app_copy, monkeypatch, capsys):
    """The launcher's rebuild finds another run holding the data directory: it runs nothing (that run rebuilds), the
    page says that run will rebuild (no command to type), and moves onto the snapshot that run publishes."""
    import fcntl

    import app.frame as frame_module
    import etl.pipeline as pipeline
    from app import launcher

    use_data(app_copy)
    settings = load_settings(app_copy)
    monkeypatch.setattr(frame_module, "MODEL_VERSION", "phien_ban_dem")
    monkeypatch.setattr(pipeline, "MODEL_VERSION", "phien_ban_dem")
    with open(settings.warehouse / "etl.lock", "a+") as held:  # the nightly run, as the OS sees it
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert launcher.prepare(settings) == (0, None)
        assert "Một lần chạy nạp số liệu khác đang diễn ra" in capsys.readouterr().out
        with monkeypatch.context() as server_only:
            started = no_build_in_the_server(server_only)
            at = open_page()
            assert started == []
        warning = "\n".join(w.value for w in at.sidebar.warning)
        assert "Một lần chạy nạp số liệu khác đang diễn ra" in warning and "python -m etl run" not in warning
    # that run ends and publishes a snapshot of the new version: the next run of the page moves onto it
    assert run(settings, Progress(sink=lambda line: None)).status == "published"
    at.run()
    assert not at.exception
    assert not any("Chương trình vừa được cập nhật" in w.value for w in at.sidebar.warning)
    published = [r for r in RunLog(settings).runs() if r.get("status") == "published"][-1]["run_id"]
    assert f"Mã bản dữ liệu (ghi khi báo lỗi): {published}" in "\n".join(c.value for c in at.sidebar.caption)


def test_an_upgrade_with_no_rebuild_running_says_what_to_run(use_data, app_copy, monkeypatch):
    """A server of a new version on an older snapshot, with no launcher to rebuild it (`streamlit run`): it keeps
    serving the older snapshot, starts nothing, and says what to run."""
    import app.frame as frame_module
    import etl.pipeline as pipeline

    use_data(app_copy)
    monkeypatch.setattr(frame_module, "MODEL_VERSION", "phien_ban_le")
    monkeypatch.setattr(pipeline, "MODEL_VERSION", "phien_ban_le")
    started = no_build_in_the_server(monkeypatch)
    at = open_page()
    info = "\n".join(i.value for i in at.sidebar.info)
    assert "chưa được dựng lại" in info and "python3 -m app.launcher" in info
    assert "Số liệu đến ngày **14/03/2022**" in texts(at) and started == []
