"""Briefings (giao ban): one registry of kept snapshots in the state database (pins.json migrated once), a briefing's
snapshot surviving retention with real snapshot files, and the page that lists briefings and makes their packs out of
the server process (a real subprocess on the hand-made warehouse of conftest_app)."""
from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

pytest.register_assert_rewrite("conftest_app")
from conftest_app import TAM_DAO, VINH_YEN  # noqa: E402

from app.state import BRIEFING_WRITERS, State, briefing_write_allowed  # noqa: E402
from etl import snapshots as S  # noqa: E402
from etl.__main__ import main as etl_main  # noqa: E402
from etl.settings import load_settings  # noqa: E402

pytest_plugins = ["conftest_app"]


class Clock:
    def __init__(self):
        self.now = dt.datetime(2022, 3, 14, 16, 0)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def settings(tmp_path):
    return load_settings(tmp_path / "data", province="26", keep=1)


def state(settings) -> State:
    return State(settings.data_dir / "state" / "state.sqlite3", clock=Clock())


def publish(settings, snap, names: list[str]) -> list[str]:
    """Copies of a real snapshot published one after another under `names`; CURRENT names the last."""
    for name in names:
        built = S.building_dir(settings) / name
        built.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(snap, built)
        S.publish(settings, built)
    return names


@pytest.fixture
def snap(app_data):
    return S.current_snapshot(load_settings(app_data))


def account(store: State, login: str, role: str, district: str | None = None) -> None:
    store.create_account(login, f"Kiểm thử {login}", role, district, "mat-khau-kiem-thu", chosen=True,
                         password_hash=store.hash_password("mat-khau-kiem-thu"))


# --- one registry: pins and briefings in the state database ---------------------------------------------------------

def test_pins_json_is_migrated_once_into_the_state_database(settings, snap):
    names = publish(settings, snap, ["2022-03-10T220000_0.duckdb", "2022-03-11T220000_0.duckdb",
                                     "2022-03-12T220000_0.duckdb"])
    old = settings.warehouse / "pins.json"
    old.write_text(json.dumps({names[0]: "Giao ban 11/03/2022"}, ensure_ascii=False), encoding="utf-8")
    assert S.pins(settings) == {names[0]: "Giao ban 11/03/2022"}
    assert not old.exists() and (settings.warehouse / "pins.json.migrated").exists()
    # once: a later pins.json (an old program still writing it) is read again, yet never overwrites a label
    old.write_text(json.dumps({names[0]: "khác", names[1]: "Giao ban 12/03/2022"}), encoding="utf-8")
    assert S.pins(settings) == {names[0]: "Giao ban 11/03/2022", names[1]: "Giao ban 12/03/2022"}
    assert S.prune(settings) == []  # both pinned, the third is CURRENT
    S.unpin(settings, names[1])
    assert S.prune(settings) == [names[1]]
    with sqlite3_rows(settings) as rows:
        assert rows("SELECT snapshot, pinned_by FROM pins") == [(names[0], "pins.json")]


class sqlite3_rows:
    def __init__(self, settings):
        import sqlite3

        self.con = sqlite3.connect(settings.data_dir / "state" / "state.sqlite3")

    def __enter__(self):
        return lambda sql: [tuple(r) for r in self.con.execute(sql).fetchall()]

    def __exit__(self, *exc):
        self.con.close()


def test_a_briefings_snapshot_survives_retention_and_cannot_be_unpinned(settings, snap, capsys):
    """keep=1: of three published snapshots, the briefing's (the first) and CURRENT (the third) are kept."""
    names = publish(settings, snap, ["2022-03-13T220000_0.duckdb", "2022-03-14T220000_0.duckdb",
                                     "2022-03-15T220000_0.duckdb"])
    store = state(settings)
    account(store, "bcd.tinh", "committee")
    number = store.briefing_create(login="BCD.Tinh", address="10.0.0.7", province_code="26",
                                   held_on=dt.date(2022, 3, 15), label=" Giao ban BCĐ tỉnh 15/03/2022 ",
                                   as_of=dt.date(2022, 3, 14), snapshot=names[0])
    found = store.briefing(number)
    assert (found.label, found.held_on, found.as_of, found.snapshot, found.created_by) == (
        "Giao ban BCĐ tỉnh 15/03/2022", dt.date(2022, 3, 15), dt.date(2022, 3, 14), names[0], "bcd.tinh")
    assert S.pins(settings) == {names[0]: "Giao ban BCĐ tỉnh 15/03/2022"}
    assert S.prune(settings) == [names[1]]
    assert [p.name for p in S.list_snapshots(settings)] == [names[0], names[2]]
    with pytest.raises(ValueError, match="của buổi giao ban «Giao ban BCĐ tỉnh 15/03/2022»"):
        S.unpin(settings, names[0])
    assert etl_main(["unpin", names[0], "--data-dir", str(settings.data_dir)]) == 2
    assert "không bỏ giữ được" in capsys.readouterr().err
    # a second pin of the same snapshot adds its label after the briefing's; the listing shows it
    assert etl_main(["pin", names[0], "--label", "Hồ sơ thanh tra", "--data-dir", str(settings.data_dir)]) == 0
    assert S.pins(settings)[names[0]] == "Hồ sơ thanh tra"  # the command line sets the label it is given
    store.briefing_create(login="bcd.tinh", address=None, province_code="26", held_on=dt.date(2022, 3, 22),
                          label="Giao ban BCĐ tỉnh 22/03/2022", as_of=dt.date(2022, 3, 14), snapshot=names[0])
    assert S.pins(settings)[names[0]] == "Hồ sơ thanh tra; Giao ban BCĐ tỉnh 22/03/2022"
    capsys.readouterr()
    assert etl_main(["snapshots", "--data-dir", str(settings.data_dir)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"  {names[0]}  Hồ sơ thanh tra; Giao ban BCĐ tỉnh 22/03/2022", f"* {names[2]}  "]
    created = store.audit_log(event="briefing_created")
    assert [e["detail"]["briefing"] for e in created] == [2, 1] and created[1]["address"] == "10.0.0.7"
    assert [b.id for b in store.briefings("26")] == [2, 1] and store.briefings("01") == []


def test_retention_keeps_a_briefings_snapshot_even_without_its_pin_row(settings, snap):
    """Retention keeps what a briefing draws on even if its pin row were gone (kept_snapshots reads both)."""
    names = publish(settings, snap, ["2022-03-13T220000_0.duckdb", "2022-03-14T220000_0.duckdb"])
    store = state(settings)
    account(store, "cdc", "health")
    store.briefing_create(login="cdc", address=None, province_code="26", held_on=dt.date(2022, 3, 15),
                          label="Giao ban", as_of=dt.date(2022, 3, 14), snapshot=names[0])
    with sqlite3_rows(settings) as rows:
        rows("DELETE FROM pins")
        rows("COMMIT")
    assert S.pins(settings) == {} and S.prune(settings) == []


def test_only_committee_health_and_admin_create_briefings(settings):
    store = state(settings)
    for login, role, district in (("uv.a", "member", None), ("huyen.vy", "district", VINH_YEN), ("qt", "admin", None),
                                  ("bcd", "committee", None), ("cdc", "health", None), ("cu", "committee", None)):
        account(store, login, role, district)
    store.set_disabled("cu", True)
    assert BRIEFING_WRITERS == {"admin", "committee", "health"}
    assert [briefing_write_allowed(store.account(x)) for x in ("uv.a", "huyen.vy", "qt", "bcd", "cdc", "cu")] == [
        False, False, True, True, True, False]
    for login in ("uv.a", "huyen.vy", "cu", "ai.do"):
        with pytest.raises(PermissionError, match="Chỉ tài khoản Ban Chỉ đạo"):
            store.briefing_create(login=login, address=None, province_code="26", held_on=dt.date(2022, 3, 15),
                                  label="Giao ban", as_of=dt.date(2022, 3, 14), snapshot="x.duckdb")
    with pytest.raises(ValueError, match="Cần tên buổi giao ban"):
        store.briefing_create(login="bcd", address=None, province_code="26", held_on=dt.date(2022, 3, 15),
                              label="  ", as_of=dt.date(2022, 3, 14), snapshot="x.duckdb")
    assert store.briefings() == [] and store.pins() == {}


def test_the_pack_queue_takes_requests_in_order_once_each(settings):
    store = state(settings)
    account(store, "bcd", "committee")
    number = store.briefing_create(login="bcd", address=None, province_code="26", held_on=dt.date(2022, 3, 15),
                                   label="Giao ban", as_of=dt.date(2022, 3, 14), snapshot="x.duckdb")
    first = store.pack_request(number, "tinh", "Tỉnh Vĩnh Phúc", (VINH_YEN, TAM_DAO), "a.pdf", "bcd", None)
    second = store.pack_request(number, TAM_DAO, "Huyện Tam Đảo", (TAM_DAO,), "b.pdf", "bcd", None)
    assert store.pack_request(number, "tinh", "Tỉnh Vĩnh Phúc", (VINH_YEN, TAM_DAO), "a.pdf", "uv", None) == first
    assert (first.status, first.districts, store.packs_waiting()) == ("queued", (VINH_YEN, TAM_DAO), 2)
    assert store.pack_claim().id == first.id and store.pack_claim().id == second.id and store.pack_claim() is None
    assert store.pack_requeue_running() == 2  # a killed worker's claims go back to the queue
    claimed = store.pack_claim()
    store.pack_done(claimed, dt.datetime(2022, 3, 14, 16, 5), 1234, {"scope": "Tỉnh Vĩnh Phúc"})
    store.pack_failed(store.pack_claim(), "hỏng")
    assert [(p.scope_key, p.status, p.bytes, p.error) for p in store.packs(number)] == [
        ("tinh", "done", 1234, None), (TAM_DAO, "failed", None, "hỏng")]
    assert store.pack_request(number, TAM_DAO, "Huyện Tam Đảo", (TAM_DAO,), "b.pdf", "bcd", None).status == "queued"
    assert store.audit_log(event="briefing_pack_generated")[0]["login"] == "bcd"


# --- the queue: one worker at a time, failures said -----------------------------------------------------------------

def test_a_worker_meeting_the_lock_leaves_the_request_to_its_holder_and_a_lost_snapshot_fails_in_words(settings):
    from app import briefing_queue as Q

    store = state(settings)
    account(store, "bcd", "committee")
    number = store.briefing_create(login="bcd", address=None, province_code="26", held_on=dt.date(2022, 3, 15),
                                   label="Giao ban", as_of=dt.date(2022, 3, 14), snapshot="mat.duckdb")
    found = store.briefing(number)
    store.pack_request(number, TAM_DAO, "Huyện Tam Đảo", (TAM_DAO,), Q.pack_file(found.snapshot, found.as_of, TAM_DAO),
                       "bcd", None)
    with Q._lock(settings) as held:
        assert held and Q.busy(settings)
        assert Q.run_queue(settings) == 0  # another worker holds the queue: this one leaves at once
        assert store.pack(number, TAM_DAO).status == "queued"
    assert not Q.busy(settings)
    assert Q.run_queue(settings) == 0
    failed = store.pack(number, TAM_DAO)
    assert (failed.status, failed.error) == ("failed", "bản dữ liệu mat.duckdb không còn trên máy chủ")
    assert Q.status_text(failed) == "Không tạo được tài liệu Huyện Tam Đảo: bản dữ liệu mat.duckdb không còn trên máy chủ"
    assert failed.file == "briefings/mat/20220314_248.pdf"


def test_the_scopes_a_viewer_may_ask_for_stay_within_their_scope(snap):
    from app import briefing_queue as Q
    from app import queries as q

    every = q.all_districts(str(snap))
    whole = Q.scopes(str(snap), every)
    assert list(whole)[:2] == ["tinh", "243"] and whole["tinh"] == ("Toàn tỉnh", tuple(sorted(every)), True)
    assert len(whole) == 1 + len(every)
    assert Q.scopes(str(snap), (TAM_DAO, VINH_YEN)) == {
        "243+248": ("Các huyện được phân công: Thành phố Vĩnh Yên, Huyện Tam Đảo", (VINH_YEN, TAM_DAO), False),
        VINH_YEN: ("Thành phố Vĩnh Yên", (VINH_YEN,), False), TAM_DAO: ("Huyện Tam Đảo", (TAM_DAO,), False)}
    assert Q.scopes(str(snap), (TAM_DAO,)) == {TAM_DAO: ("Huyện Tam Đảo", (TAM_DAO,), False)}


# --- the page: a briefing created, its pack made by a real worker process, a second request answered by the cache ----

PAGE = "pages/11_Giao_ban.py"


def wait_until_made(data_dir, number: int, key: str, seconds: float = 180.0):
    import time

    store = State(data_dir / "state" / "state.sqlite3")
    deadline = time.monotonic() + seconds
    while (pack := store.pack(number, key)).status in ("queued", "running"):
        assert time.monotonic() < deadline, (data_dir / "briefings/queue.log").read_text(encoding="utf-8")
        time.sleep(0.5)
    return pack


def click(at, label: str):
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_committee_creates_a_briefing_and_gets_its_pdf_made_out_of_the_server(app_copy, use_data):
    import io

    import pypdf
    from conftest_app import open_page, read, texts

    use_data(app_copy)
    at = open_page(PAGE, role="committee")
    assert "Chưa có buổi giao ban nào." in texts(at)
    at.date_input(key="briefing_day").set_value(dt.date(2022, 3, 15))
    at.text_input(key="briefing_label").input("Giao ban BCĐ tỉnh 15/03/2022")
    click(at, "Tạo buổi giao ban")
    settings = load_settings(app_copy)
    served = S.current_snapshot(settings).name
    assert read(at.success[0].value) == (f"Đã tạo buổi giao ban «Giao ban BCĐ tỉnh 15/03/2022»; bản dữ liệu "
                                         f"{served} được giữ lại.")
    assert S.pins(settings) == {served: "Giao ban BCĐ tỉnh 15/03/2022"}
    assert at.selectbox(key="briefing_pick").value == 1
    assert at.selectbox(key="briefing_scope").value == "tinh"
    click(at, "Tạo tài liệu PDF")
    assert "Đang tạo tài liệu Toàn tỉnh…" in texts(at)  # the page is drawn at once; a worker process makes the PDF
    pack = wait_until_made(app_copy, 1, "tinh")
    assert pack.status == "done", pack.error
    at.run()
    assert texts(at).count("Tài liệu Toàn tỉnh: tạo lúc") == 1
    assert [b.label for b in at.get("download_button")][0] == "Tải tài liệu PDF"
    path = app_copy / "briefings" / served.removesuffix(".duckdb") / "20220314_tinh.pdf"
    assert pack.file == str(path.relative_to(app_copy)) and pack.bytes == path.stat().st_size
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(path.read_bytes())).pages).split())
    assert "số liệu đến ngày 14/03/2022" in text and "bởi kiemthu.committee" in text
    made = State(app_copy / "state" / "state.sqlite3").audit_log(event="briefing_pack_generated")
    assert len(made) == 1 and made[0]["login"] == "kiemthu.committee" and made[0]["address"] == "hàng đợi giao ban"
    assert made[0]["detail"]["scope"] == "Toàn tỉnh" and made[0]["detail"]["as_of"] == "14/03/2022"
    # a second briefing on the same snapshot and date: its pack is the cache's file, at once, no worker
    store = State(app_copy / "state" / "state.sqlite3")
    store.briefing_create(login="kiemthu.committee", address=None, province_code="26", held_on=dt.date(2022, 3, 16),
                          label="Giao ban bổ sung", as_of=dt.date(2022, 3, 14), snapshot=served)
    at.run()
    at.selectbox(key="briefing_pick").set_value(2).run()
    click(at, "Tạo tài liệu PDF")
    again = store.pack(2, "tinh")
    assert (again.status, again.file, again.bytes) == ("done", pack.file, pack.bytes)
    assert "Tài liệu Toàn tỉnh: tạo lúc" in texts(at) and len(store.audit_log(event="briefing_pack_generated")) == 1


def test_a_district_account_sees_briefings_but_only_packs_of_its_district(app_copy, use_data):
    from conftest_app import open_page, table, texts

    use_data(app_copy)
    settings = load_settings(app_copy)
    served = S.current_snapshot(settings).name
    store = State(app_copy / "state" / "state.sqlite3")
    account(store, "bcd", "committee")
    number = store.briefing_create(login="bcd", address=None, province_code="26", held_on=dt.date(2022, 3, 15),
                                   label="Giao ban BCĐ tỉnh 15/03/2022", as_of=dt.date(2022, 3, 14), snapshot=served)
    store.pack_request(number, "tinh", "Toàn tỉnh", (VINH_YEN, TAM_DAO), "briefings/x/tinh.pdf", "bcd", None)
    at = open_page(PAGE, role="district", login="kiemthu.tamdao", district=TAM_DAO)
    assert "Tạo buổi giao ban" not in [e.label for e in at.get("expander")]
    assert at.selectbox(key="briefing_pick").options == ["Giao ban BCĐ tỉnh 15/03/2022 — họp ngày 15/03/2022, số "
                                                         "liệu đến ngày 14/03/2022"]
    assert at.selectbox(key="briefing_scope").options == ["Huyện Tam Đảo"]
    # the province's pack is not theirs to see: no table, a sentence (the grid would say "empty")
    assert "Chưa có tài liệu nào được tạo cho buổi giao ban này trong phạm vi của tài khoản." in texts(at)
    with pytest.raises(AssertionError, match="no table"):
        table(at, "briefing_packs")
    assert "Toàn tỉnh" not in texts(at)


def test_in_the_browser_the_page_waits_for_the_worker_then_offers_the_pdf(app_copy, tmp_path):
    """A real server and Debian's chromium: the page says it is making the PDF, looks again on its own (no reload) and,
    once the worker is done, offers the download."""
    from playwright.sync_api import sync_playwright
    from test_browser import ARGS, CHROMIUM, require_chromium, serve, sign_in, wait_drawn

    require_chromium()
    with serve(app_copy, tmp_path / "server.log") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1400}, locale="vi-VN")
        sign_in(page, url, app_copy, role="committee")
        page.goto(url + "/Giao_ban")
        wait_drawn(page, "Chưa có buổi giao ban nào")
        page.get_by_text("Tạo buổi giao ban").first.click()
        page.get_by_label("Tên buổi giao ban").fill("Giao ban BCĐ tỉnh 15/03/2022")
        page.get_by_role("button", name="Tạo buổi giao ban").click()
        wait_drawn(page, "Đã tạo buổi giao ban")
        page.get_by_role("button", name="Tạo tài liệu PDF").click()
        page.get_by_text("Đang tạo tài liệu Toàn tỉnh", exact=False).first.wait_for(timeout=30_000)
        page.get_by_text("Tài liệu Toàn tỉnh: tạo lúc", exact=False).first.wait_for(timeout=180_000)
        with page.expect_download() as download:
            page.get_by_role("button", name="Tải tài liệu PDF").click()
        assert download.value.suggested_filename.endswith("_tinh.pdf")
        assert download.value.path().read_bytes()[:5] == b"%PDF-"
        browser.close()
    assert [e["event"] for e in State(app_copy / "state" / "state.sqlite3").audit_log(login="kiemthu.committee")
            if e["event"] != "sign_in"][:3] == ["download", "briefing_pack_generated", "briefing_created"]


def test_retention_deletes_nothing_while_the_pins_cannot_be_read(settings, snap, capsys):
    names = publish(settings, snap, ["2022-03-13T220000_0.duckdb", "2022-03-14T220000_0.duckdb"])
    (settings.warehouse / "pins.json").write_text("{hỏng", encoding="utf-8")
    assert S.prune(settings) == [] and [p.name for p in S.list_snapshots(settings)] == names
    assert "lần này không xóa bản dữ liệu cũ nào" in capsys.readouterr().err
    assert (settings.warehouse / "pins.json").exists()  # left for a person to mend, not renamed
    (settings.warehouse / "pins.json").write_text("{}", encoding="utf-8")
    assert S.prune(settings) == [names[0]]


def test_a_briefing_s_days_are_days_whatever_the_caller_passes(settings):
    """A pandas Timestamp or a datetime (a snapshot's last date, as read from DuckDB) is stored as its day: the page
    lists the briefing (it read "2022-06-24T00:00:00" back as a day and failed before)."""
    import pandas as pd

    store = state(settings)
    account(store, "bcd.tinh", "committee")
    number = store.briefing_create(login="bcd.tinh", address=None, province_code="26",
                                   held_on=dt.datetime(2022, 6, 24, 9, 30), label="Giao ban BCĐ tỉnh 24/06/2022",
                                   as_of=pd.Timestamp("2022-06-23"), snapshot="2022-06-23T220000_000000.duckdb")
    found = store.briefing(number)
    assert (found.held_on, found.as_of) == (dt.date(2022, 6, 24), dt.date(2022, 6, 23))
    assert [b.id for b in store.briefings("26")] == [number]
