"""The warm-up of the caches (app/warm.py): every scope that has an account is drawn, every page, in a real server
process; afterwards a viewer's first run of a page builds nothing (counted as cache misses by tests/warm_server.py, not
timed); the warm-up leaves no session and no audit row; and while it draws a new snapshot, viewers keep the previous
one (app/published.py), for two minutes at most, and only while a warm-up runs."""
from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import threading
import time

import duckdb
import pytest
import conftest_app
from conftest_app import TEST_PASSWORD, VINH_YEN, session_for
from ports import free_port
from test_browser import PROJECT, stop, wait_healthy
from test_serving import publish_copy, snapshot_ids

from app import published, warm
from app.frame import PAGES
from app.state import State
from app.wsclient import Client, Viewer, url_pathname
from etl import snapshots as S
from etl.settings import load_settings

pytest_plugins = ["conftest_app"]
pytestmark = pytest.mark.xdist_group("serving")
ALL_PAGES = [url_pathname(path) for path, _ in PAGES]


def state(data_dir) -> State:
    return State(load_settings(data_dir).data_dir / "state" / "state.sqlite3")


def test_every_scope_that_has_an_account_is_drawn_once_by_an_account_that_sees_it(demo_build, tmp_path):
    """The demo's snapshot (its members have districts in the assignments file): the committee and health share the
    whole province, drawn by a committee account rather than an administrator; each member's districts, each district
    account's district, once each; a disabled account, one whose issued password is still to change, and a member
    with no district assigned draw nothing."""
    from app import queries as q
    from etl.demo_admin import MEMBERS

    snapshot = str(S.current_snapshot(load_settings(demo_build[1])))
    settings = load_settings(tmp_path / "data", province="26")
    store = state(settings.data_dir)
    for login, role, district in [("quantri", "admin", None), ("bcd", "committee", None), ("syt", "health", None),
                                  ("huyen.a", "district", "248"), ("huyen.b", "district", "248"),
                                  ("huyen.c", "district", "243"), ("khoa", "district", "249"),
                                  ("uv.khong", "member", None), *((login, "member", None) for _, login in MEMBERS)]:
        store.create_account(login, login, role, district, TEST_PASSWORD, chosen=True,
                             password_hash=conftest_app.test_password_hash())
    store.create_account("doi.mat.khau", "Chưa đổi mật khẩu", "district", "252", TEST_PASSWORD,
                         password_hash=conftest_app.test_password_hash())  # an issued password, still to change
    store.set_disabled("khoa", True)

    found = warm.targets(settings, snapshot)

    every = q.all_districts(snapshot)
    members = {q.member_districts(snapshot, login) for _, login in MEMBERS} - {()}
    assert len(members) >= 2
    expected = {("province", every), ("district", ("248",)), ("district", ("243",))} | {("member", m) for m in members}
    assert [(t.kind, t.scope) for t in found if t.kind == "province"] == [("province", every)]
    assert {(t.kind, t.scope) for t in found} == expected and len(found) == len(expected)
    assert next(t.login for t in found if t.kind == "province") == "bcd"
    assert {t.login for t in found} & {"khoa", "doi.mat.khau", "uv.khong", "quantri"} == set()


def sessions_by_address(data_dir) -> dict[str, int]:
    import sqlite3

    with contextlib.closing(sqlite3.connect(state(data_dir).path)) as con:
        return dict(con.execute("SELECT address, count(*) FROM sessions GROUP BY address").fetchall())


def write_status(settings, warm_name: str | None, beat_ago: float = 0.0) -> None:
    path = published.warm_status_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"warm": warm_name, "warming": None, "beat": time.time() - beat_ago}), encoding="utf-8")


def test_viewers_keep_the_warm_snapshot_two_minutes_at_most_and_only_while_a_warm_up_beats(app_copy):
    settings = load_settings(app_copy)
    first = S.current_snapshot(settings)
    assert published.served_snapshot(settings) == (str(first), None)  # no warm-up here: CURRENT, as always
    new = publish_copy(settings, first, "lan-chay-moi")
    write_status(settings, first.name)
    assert published.served_snapshot(settings) == (str(first), None)  # held while the warm-up draws `new`
    write_status(settings, new.name)
    assert published.served_snapshot(settings) == (str(new), None)  # drawn: every viewer moves on
    write_status(settings, first.name, beat_ago=published.STALE_SECONDS + 1)
    assert published.served_snapshot(settings) == (str(new), None)  # the warm-up is gone: nothing held
    write_status(settings, first.name)
    published_at = time.time() - published.HOLD_SECONDS - 1
    os.utime(settings.warehouse / "CURRENT", (published_at, published_at))
    assert published.served_snapshot(settings) == (str(new), None)  # two minutes at most, warm or not
    os.utime(settings.warehouse / "CURRENT")
    write_status(settings, "../CURRENT")
    assert published.served_snapshot(settings) == (str(new), None)  # only a snapshot's file name is taken
    published.warm_status_path(settings).write_text("{", encoding="utf-8")
    assert published.served_snapshot(settings) == (str(new), None)  # a status cut short holds nothing
    write_status(settings, first.name)
    first.unlink()
    assert published.served_snapshot(settings) == (str(new), None)  # the warm one's file is gone: the new one
    third = publish_copy(settings, new, "lan-chay-sau")
    write_status(settings, new.name)
    third.unlink()  # the file CURRENT names is gone: the newest that remains, said so, as without a warm-up
    assert published.served_snapshot(settings) == (str(new), third.name)


@contextlib.contextmanager
def counting_server(data_dir, log, misses):
    port = free_port()
    env = {**os.environ, "COVID_DATA_DIR": str(data_dir), "BCD_MISSES": str(misses)}
    env.pop("COVID_PROVINCE", None)
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, str(PROJECT / "tests" / "warm_server.py"), "--server.headless", "true",
                                 "--server.port", str(port), "--server.address", "127.0.0.1"],
                                cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT)
    wait_healthy(f"http://127.0.0.1:{port}", proc, log.read_text)
    try:
        yield port
    finally:
        stop(proc)
    assert "Traceback" not in log.read_text(), log.read_text()


def test_after_the_warm_up_first_viewers_build_nothing_and_a_new_snapshot_waits_until_drawn(app_copy, tmp_path):
    settings = load_settings(app_copy)
    first = S.current_snapshot(settings)
    first_id = duckdb.connect(str(first), read_only=True).execute("SELECT run_id FROM meta.snapshot").fetchone()[0]
    roles = [("committee", "kiemthu.committee", None), ("health", "kiemthu.health", None),
             ("district", "kiemthu.vinhyen", VINH_YEN)]
    for role, login, district in roles:
        session_for(role, login, district, data_dir=app_copy)  # the accounts, and a session each
    store = state(app_copy)
    audit_before, misses, lines = store.audit_log(), tmp_path / "misses.txt", []
    sessions_before = sessions_by_address(app_copy)
    misses.touch()

    def viewers(url: str) -> list[Viewer]:  # new sessions, as the next browsers to open the dashboard
        return [Viewer(n, login, role, session_for(role, login, district, data_dir=app_copy), url)
                for n, (role, login, district) in enumerate(roles)]

    def summaries() -> list[str]:
        return [line for line in lines if line.startswith("Đã làm nóng bộ nhớ đệm")]

    def wait_for(count: int) -> None:
        deadline = time.monotonic() + 120
        while len(summaries()) < count:
            assert time.monotonic() < deadline, lines
            time.sleep(0.2)

    with counting_server(app_copy, tmp_path / "server.log", misses) as port:
        url, halt = f"http://127.0.0.1:{port}", threading.Event()
        watcher = threading.Thread(target=warm.watch, args=(settings, [port], halt, lines.append))
        watcher.start()
        try:
            wait_for(1)
            warmed = misses.read_text().splitlines()
            client = Client(timeout=120, keep_texts=True)

            async def every_page(people: list[Viewer]):
                try:
                    return [await client.page(v, page, "click") for page in ALL_PAGES for v in people]
                finally:
                    await asyncio.gather(*(client.close(v) for v in people))

            runs = asyncio.run(every_page(viewers(url)))
            built = misses.read_text().splitlines()[len(warmed):]
            sessions_after_warm_up = sessions_by_address(app_copy)

            publish_copy(settings, first, "lan-chay-moi")
            held = asyncio.run(every_page(viewers(url)[:1]))
            warming = Viewer(9, "kiemthu.committee", "committee", session_for(data_dir=app_copy), url,
                             headers={published.WARM_HEADER: "1"})
            ahead = asyncio.run(every_page([warming]))
            wait_for(2)
            moved = asyncio.run(every_page(viewers(url)))
        finally:
            halt.set()
            watcher.join(30)

    # the whole province (committee and health alike), Vĩnh Yên, and the scopes of the accounts other tests left
    pages_drawn = len(ALL_PAGES) * len(warm.targets(settings, str(first)))
    assert summaries()[0].startswith(f"Đã làm nóng bộ nhớ đệm cho bản dữ liệu {first.name}: {pages_drawn}/"), lines
    assert any(line.startswith("làm nóng bộ nhớ đệm … ") and line.endswith(" trang") for line in lines), lines
    assert client.errors == [] and "không lỗi" in summaries()[0] and "không lỗi" in summaries()[1]
    assert len(warmed) > 50  # the warm-up built every page's results and elements
    # every viewer's first run of every page was served from the caches; the sidebar's freshness line is keyed by the
    # snapshot's age in minutes, so a minute that turns meanwhile draws it again (from cached results)
    assert [line for line in built if line != "replay sidebar_freshness"] == [], built
    assert len(runs) == len(ALL_PAGES) * len(roles) and snapshot_ids(runs) == {first_id}
    # the viewers' own sessions, and the three opened since: none of the warm-up's
    assert sessions_after_warm_up == {**sessions_before, "127.0.0.1": sessions_before["127.0.0.1"] + len(roles)}
    assert snapshot_ids(held) == {first_id}  # published, not drawn yet: viewers keep the warm snapshot
    assert snapshot_ids(ahead) == {"lan-chay-moi"}  # the warm-up's own session draws the new one
    assert snapshot_ids(moved) == {"lan-chay-moi"}  # drawn: everyone moves on
    assert warm.WARM_ADDRESS not in sessions_by_address(app_copy)
    assert store.audit_log() == audit_before  # no sign-in, sign-out or any other audit row
    assert not published.warm_status_path(settings).exists()  # the watch ended: nothing held any more


def test_the_warm_up_pauses_when_its_runs_slow_down_because_viewers_share_the_process(app_copy, monkeypatch):
    """A warm-up run twice as slow as the fastest of its page (viewers are running pages in the process too) is
    followed by a pause as long as it took; a run a little slower, or a fast one, is not (page runs faked)."""
    from app.wsclient import Run

    settings = load_settings(app_copy)
    session_for("committee", data_dir=app_copy)
    session_for("district", "kiemthu.vinhyen", VINH_YEN, data_dir=app_copy)  # two scopes: each page runs twice
    slow_page = ALL_PAGES[2]
    ran, slept = [], []

    async def page(self, v, name, kind, widget=None):
        ran.append(name)
        second = ran.count(name) == 2  # the second scope's run of the page
        seconds = 3.0 if name == slow_page and second else 0.7 if name == ALL_PAGES[1] and second else 0.4
        return Run(v.n, v.scope, name, kind, seconds, 1.0)

    async def sleep(seconds):
        slept.append(seconds)

    monkeypatch.setattr("app.wsclient.Client.page", page)
    monkeypatch.setattr(asyncio, "sleep", sleep)
    result = asyncio.run(warm.warm_round(settings, [1], S.current_name(settings), echo=lambda line: None))
    assert result.errors == [] and result.done == result.total == len(ran) >= 2 * len(ALL_PAGES)
    assert slept == [3.0]
