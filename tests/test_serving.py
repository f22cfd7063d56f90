"""A briefing room on one server while the data changes under it: fifty real Streamlit sessions (the websocket
protocol of app/wsclient.py, no browser) on `streamlit run dashboard.py`, while a new snapshot is published, the file
CURRENT names disappears, and the next run publishes again. Every viewer moves onto what is served at their next
click, sees the last good data with a Vietnamese explanation when the file is gone, and never an error."""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys

import duckdb
import pytest
from conftest_app import VINH_YEN, read, session_for, texts
from test_browser import PROJECT, serve

from app import queries as q
from app.frame import PAGES
from app.wsclient import Client, Viewer, url_pathname
from etl import snapshots as S
from etl.settings import load_settings

pytest_plugins = ["conftest_app"]
pytestmark = pytest.mark.xdist_group("serving")

ID_LINE = "Mã bản dữ liệu (ghi khi báo lỗi): "
LOST = "không còn trên máy chủ: đang hiển thị bản dữ liệu trước đó"
VIEWERS = 50


def publish_copy(settings, source, run_id: str):
    """Publish a copy of `source` under a new name and run id, as the nightly run's last step does (etl.snapshots)."""
    built = S.building_dir(settings) / S.new_snapshot_name()
    built.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, built)
    with duckdb.connect(str(built)) as con:
        con.execute("UPDATE meta.snapshot SET run_id = ?", [run_id])
    return S.publish(settings, built)


def snapshot_ids(runs) -> set[str]:
    return {read(t).removeprefix(ID_LINE).strip() for r in runs for t in r.texts if t.startswith(ID_LINE)}


def test_fifty_viewers_follow_every_publication_and_keep_the_last_good_data_when_its_file_is_lost(app_copy, tmp_path):
    settings = load_settings(app_copy)
    first = S.current_snapshot(settings)
    first_id = duckdb.connect(str(first), read_only=True).execute("SELECT run_id FROM meta.snapshot").fetchone()[0]
    roles = [("committee", None, None), ("health", None, None), ("district", "kiemthu.vinhyen", VINH_YEN)]
    tokens = [session_for(role, login, district, data_dir=app_copy) for role, login, district in roles
              for _ in range(VIEWERS // len(roles) + 1)][:VIEWERS]
    pages = [url_pathname(path) for path, _ in PAGES]
    assert len(pages) >= 3

    with serve(app_copy, tmp_path / "server.log") as url:
        viewers = [Viewer(n, roles[n * len(roles) // VIEWERS][0], roles[n * len(roles) // VIEWERS][0], token, url)
                   for n, token in enumerate(tokens)]
        load = Client(timeout=120, keep_texts=True)

        async def everyone(page: str):
            return await asyncio.gather(*(load.page(v, page, "click") for v in viewers))

        async def scenario():
            try:
                opened = await everyone(pages[0])  # all open the dashboard within the same second
                publish_copy(settings, first, "lan-chay-moi")
                moved = await everyone(pages[2])
                lost = S.current_snapshot(settings)
                lost.unlink()  # the file CURRENT names is gone (deleted by hand, a disk fault)
                fallen_back = await everyone(pages[1])
                publish_copy(settings, first, "lan-chay-sau")  # the next good run
                recovered = await everyone(pages[0])
                return opened, moved, lost, fallen_back, recovered
            finally:
                await asyncio.gather(*(load.close(v) for v in viewers))

        opened, moved, lost, fallen_back, recovered = asyncio.run(scenario())

    assert load.errors == []
    assert [len(runs) for runs in (opened, moved, fallen_back, recovered)] == [VIEWERS] * 4
    assert snapshot_ids(opened) == {first_id}
    assert snapshot_ids(moved) == {"lan-chay-moi"}  # every viewer, at their next click
    # the newest snapshot that remains is the first: served, and said so on every viewer's page
    assert snapshot_ids(fallen_back) == {first_id}
    assert all(any(LOST in read(t) and lost.name in read(t) for t in r.texts) for r in fallen_back)
    assert snapshot_ids(recovered) == {"lan-chay-sau"}
    assert not any(LOST in t for r in recovered for t in r.texts)


def test_with_every_snapshot_file_gone_the_page_says_so_in_vietnamese(app_copy, use_data):
    from conftest_app import open_page

    settings = load_settings(app_copy)
    named = S.current_snapshot(settings).name
    for path in S.list_snapshots(settings):
        path.unlink()
    use_data(app_copy)
    assert q.served_snapshot(settings) == (None, named)
    at = open_page()
    assert [t.value for t in at.title] == ["Chưa có bản dữ liệu"]
    (error,) = at.error
    assert f"({named}) không còn trên máy chủ, và không còn bản dữ liệu nào khác" in read(error.value)
    assert "python -m etl run" in read(texts(at))


def etl(data_dir, *args: str, failpoint: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "ETL_FAILPOINT"}
    if failpoint:
        env["ETL_FAILPOINT"] = failpoint
    return subprocess.run([sys.executable, "-m", "etl", "run", "--data-dir", str(data_dir), *args], cwd=PROJECT,
                          env=env, capture_output=True, text=True, timeout=300)


def test_viewers_clicking_through_kills_a_full_disk_and_a_lost_file_never_see_an_error(app_copy, tmp_path,
                                                                                         monkeypatch):
    """Fifty sessions click at their own pace (every 1–4 s) while the nightly run is killed (SIGKILL) as each of its
    stages starts, runs out of disk while writing the snapshot, publishes, and loses the file CURRENT names; then a
    good run. Every page run shows a snapshot that was served (or the previous one, said so), never an error, and
    the good run's snapshot reaches every viewer without a hand."""
    from test_etl_disk_full import full_disk_under

    from etl.pipeline import STAGES, Progress, run

    settings = load_settings(app_copy)
    tokens = [session_for("committee", data_dir=app_copy) for _ in range(VIEWERS // 2)] + \
        [session_for("district", "kiemthu.vinhyen", VINH_YEN, data_dir=app_copy) for _ in range(VIEWERS // 2)]
    pages = [url_pathname(path) for path, _ in PAGES]
    events = []

    def ids_of(snapshot) -> str:
        with duckdb.connect(str(snapshot), read_only=True) as con:
            return con.execute("SELECT run_id FROM meta.snapshot").fetchone()[0]

    def disrupt() -> None:
        for stage in STAGES:
            killed = etl(app_copy, "--rebuild", failpoint=stage)
            events.append((f"killed at {stage}", killed.returncode))
        with full_disk_under(S.building_dir(settings), monkeypatch):
            events.append(("disk full", run(settings, Progress(sink=lambda line: None), rebuild=True).exit_code))
        published = etl(app_copy, "--rebuild")
        events.append(("published", published.returncode))
        S.current_snapshot(settings).unlink()
        events.append(("file lost", 0))

    with serve(app_copy, tmp_path / "server.log") as url:
        viewers = [Viewer(n, "committee" if n < VIEWERS // 2 else "district", "", token, url)
                   for n, token in enumerate(tokens)]
        load = Client(timeout=120, keep_texts=True)

        async def scenario():
            done = asyncio.Event()

            async def viewer(v: Viewer, n: int):
                clicks = 0
                while not done.is_set() or clicks < 2:
                    await load.page(v, pages[(n + clicks) % len(pages)], "click")
                    clicks += 1
                    await asyncio.sleep(1 + (n * 7 + clicks * 3) % 4)

            try:
                clicking = [asyncio.create_task(viewer(v, n)) for n, v in enumerate(viewers)]
                await asyncio.to_thread(disrupt)
                done.set()
                await asyncio.gather(*clicking)
                before = len(load.runs)
                await asyncio.to_thread(etl, app_copy, "--rebuild")  # the next good run
                final = await asyncio.gather(*(load.page(v, pages[0], "click") for v in viewers))
                return load.runs[:before], final
            finally:
                await asyncio.gather(*(load.close(v) for v in viewers))

        during, final = asyncio.run(scenario())

    assert events == [*((f"killed at {stage}", -9) for stage in STAGES), ("disk full", 1), ("published", 0),
                      ("file lost", 0)]
    assert load.errors == []
    assert len(during) >= 2 * VIEWERS
    # every run drew the id of a snapshot (the one served, or the previous one after the loss): never a trace
    assert all(snapshot_ids([r]) for r in during)
    served = {ids_of(p) for p in S.list_snapshots(settings)}
    assert snapshot_ids(final) == {ids_of(S.current_snapshot(settings))} and snapshot_ids(final) <= served
    assert not any(LOST in read(t) for r in final for t in r.texts)
