"""The reconciliation ledger on the hand-made warehouse of conftest_app (a private copy: the tests write its state
database). Discrepancies on 14/03/2022, the last date:

- report_vs_platform, Thành phố Vĩnh Yên (243), its report of 07/03 (tests/test_app_consistency.py): 18+ mũi 1
  (15.000 against 18.000), 12–17 mũi 1 and mũi 2 (180 and 160 against none): 3 items;
- two_sources (check facility_vs_case_reports, 14/03): the province (26), Vĩnh Yên (243), Tam Đảo (248): 3 items;
- population: the report's populations at Tích Sơn and Liên Bảo, each cohort, differ from the population files
  (e.g. Tích Sơn 18+ currently present 7.010 reported, 7.300 in the file): 6 items;
- coverage_over_100: Tích Sơn 18+ mũi 1, 7.100 people for 7.000 at the start of the period: 1 item.

13 items, all open until someone writes the ledger.
"""
import datetime as dt
import json

import pandas as pd
import pytest

pytest.register_assert_rewrite("conftest_app")
from conftest_app import TAM_DAO, VINH_YEN, open_page, table, texts

from app import ledger_view as LV

pytest_plugins = ["conftest_app"]

OVERVIEW = "pages/1_Tong_quan.py"
QUALITY = "pages/5_Chat_luong_so_lieu.py"
PROVINCE, TICH_SON, LIEN_BAO = "26", "08707", "08710"
LAST = dt.date(2022, 3, 14)
EXPECTED = {
    ("report_vs_platform", VINH_YEN, "18+", 1), ("report_vs_platform", VINH_YEN, "12-17", 1),
    ("report_vs_platform", VINH_YEN, "12-17", 2),
    ("two_sources", PROVINCE, "", 0), ("two_sources", VINH_YEN, "", 0), ("two_sources", TAM_DAO, "", 0),
    *{("population", commune, cohort, 0) for commune in (TICH_SON, LIEN_BAO) for cohort in ("18+", "12-17", "5-11")},
    ("coverage_over_100", TICH_SON, "18+", 1),
}
REPORT_18 = LV.key_text(("report_vs_platform", VINH_YEN, "18+", 1))
TAM_DAO_SOURCES = LV.key_text(("two_sources", TAM_DAO, "", 0))


@pytest.fixture
def app(use_data, app_copy):
    return use_data(app_copy)


def store(data_dir):
    from app.state import State

    return State(data_dir / "state" / "state.sqlite3")


def snapshot(data_dir):
    from app import queries as q
    from etl.settings import load_settings

    return q.snapshot_path(load_settings(data_dir))


def test_the_discrepancies_are_listed_with_their_keys_never_a_report_date(app):
    from app import queries as q

    snap = snapshot(app)
    found = q.discrepancies(snap, q.all_districts(snap), LAST)
    assert set(zip(found["kind"], found["unit_code"], found["cohort"], found["dose"], strict=True)) == EXPECTED
    assert len(found) == len(EXPECTED)
    row = found[(found["kind"] == "report_vs_platform") & (found["cohort"] == "18+")].iloc[0]
    assert row["detail"] == "Huyện báo cáo 15.000, nền tảng 18.000 (83,33%)"
    assert row["ref_date"] == pd.Timestamp("2022-03-07")  # shown, not part of the key
    over = found[found["kind"] == "coverage_over_100"].iloc[0]
    assert over["detail"].startswith("7.100 người; dân số đầu kỳ 7.000 (101,43%)")
    # the report-vs-platform items are the overview's flagged district rows (one definition)
    flags = q.reconciliation_flags(snap, q.all_districts(snap), LAST, "district")
    assert len(flags) == (found["kind"] == "report_vs_platform").sum() == 3
    # a district's viewer: its own items and the province's
    tam_dao = q.discrepancies(snap, (TAM_DAO,), LAST)
    assert set(zip(tam_dao["kind"], tam_dao["unit_code"], strict=True)) == {("two_sources", PROVINCE),
                                                                             ("two_sources", TAM_DAO)}


def write_through_the_form(at, key: str, status: str, reason: str | None, note: str, owner: str):
    at.selectbox(key="ledger_item").set_value(key).run()
    at.selectbox(key=f"ledger_status_{key}").set_value(status)
    at.selectbox(key=f"ledger_reason_{key}").set_value(reason)
    at.text_area(key=f"ledger_note_{key}").input(note)
    at.text_input(key=f"ledger_owner_{key}").input(owner)
    at.button(key="ledger_submit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_a_health_account_writes_an_entry_the_table_shows_it_and_its_history_says_who(app):
    at = open_page(QUALITY, role="health", login="syt.cdc")
    assert "Mục đang mở: **13** trên 13 mục của sổ." in texts(at)
    ledger = table(at, "ledger")
    assert len(ledger) == 13 and set(ledger["Tình trạng"]) == {"mới"}
    write_through_the_form(at, REPORT_18, "explained", "Người tiêm nơi khác", "Người dân tiêm ở Hà Nội", "Chị Lan")
    assert "Đã ghi vào sổ: Báo cáo lệch nền tảng, Thành phố Vĩnh Yên — đã giải trình." in texts(at)
    assert "Mục đang mở: **12** trên 13 mục của sổ." in texts(at)
    row = table(at, "ledger").set_index(["Loại", "Nhóm tuổi", "Mũi"]).loc[("Báo cáo lệch nền tảng", "18+", 1)]
    assert (row["Tình trạng"], row["Lý do"], row["Phụ trách"], row["Người cập nhật"]) == \
        ("đã giải trình", "Người tiêm nơi khác", "Chị Lan", "syt.cdc")
    history = table(at, "ledger_history")
    assert list(history["Người sửa"]) == ["syt.cdc"] and list(history["Tình trạng"]) == ["đã giải trình"]
    # a second change: the history keeps both, newest first, with the old status
    write_through_the_form(at, REPORT_18, "in_progress", "Báo cáo của huyện nhầm", "Huyện rà soát lại", "Chị Lan")
    history = table(at, "ledger_history")
    assert list(history["Tình trạng"]) == ["đã giải trình → đang xử lý", "đã giải trình"]
    entry = store(app).ledger_history("report_vs_platform", VINH_YEN, "18+", 1)
    assert [(h["login"], h["new_status"], h["new_note"]) for h in entry] == [
        ("syt.cdc", "explained", "Người dân tiêm ở Hà Nội"), ("syt.cdc", "in_progress", "Huyện rà soát lại")]
    edits = store(app).audit_log(event="ledger_edit", login="syt.cdc")
    assert len(edits) == 2 and edits[0]["detail"]["status"] == "in_progress"
    assert edits[0]["detail"]["old_status"] == "explained" and edits[0]["address"]


def test_a_committee_account_sees_the_table_and_no_form(app):
    at = open_page(QUALITY, role="committee")
    assert len(table(at, "ledger")) == 13
    assert not [s for s in at.selectbox if s.key == "ledger_item"]
    assert not [b for b in at.button if b.key == "ledger_submit"]
    assert "Sở Y tế / CDC và huyện có chênh lệch được cập nhật sổ này" in texts(at)


def test_a_district_account_may_write_its_own_district_s_entry_only(app):
    at = open_page(QUALITY, role="district", login="huyen.tamdao", district=TAM_DAO)
    ledger = table(at, "ledger")
    assert set(ledger["Đơn vị"]) == {"Tỉnh Vĩnh Phúc", "Huyện Tam Đảo"}, ledger
    # the province's item is in the table, the form offers only Tam Đảo's
    assert at.selectbox(key="ledger_item").options == [LV.label(r) for r in LV.combine(
        *_current(app, (TAM_DAO,))).itertuples() if r.unit_code == TAM_DAO]
    write_through_the_form(at, TAM_DAO_SOURCES, "in_progress", "Khác", "Cơ sở báo cáo gộp", "Anh Nam")
    assert [(e["unit_code"], e["updated_by"]) for e in store(app).ledger_entries()] == [(TAM_DAO, "huyen.tamdao")]
    # Vĩnh Yên's account is offered Vĩnh Yên's items, none of Tam Đảo's or the province's
    at = open_page(QUALITY, role="district", login="huyen.vinhyen", district=VINH_YEN)
    offered = at.selectbox(key="ledger_item").options
    assert len(offered) == 11 and not any("Huyện Tam Đảo" in o or "Tỉnh Vĩnh Phúc" in o for o in offered)


def _current(data_dir, scope):
    from app import queries as q

    snap = snapshot(data_dir)
    units = q.discrepancy_units(snap, scope)
    return q.discrepancies(snap, scope, LAST), store(data_dir).ledger_entries(tuple(units["unit_code"])), units


def test_the_overview_counts_the_open_items_and_one_explained_entry_takes_one_off(app):
    line = "Sổ theo dõi chênh lệch: {} mục đang mở"
    assert line.format(13) in texts(open_page(OVERVIEW))
    store(app).ledger_write("two_sources", PROVINCE, None, None, status="explained", reason="Khác",
                            note="Bệnh viện tuyến trên nhận người bệnh ở tỉnh khác", owner="CDC", login="syt.cdc",
                            address="127.0.0.1")
    assert line.format(12) in texts(open_page(OVERVIEW))
    assert "Mục đang mở: **12** trên 13 mục của sổ." in texts(open_page(QUALITY))
    # in progress is still open
    store(app).ledger_write("population", TICH_SON, "18+", None, status="in_progress", reason=None, note=None,
                            owner=None, login="syt.cdc", address="127.0.0.1")
    assert line.format(12) in texts(open_page(OVERVIEW))


CURRENT = pd.DataFrame([
    {"kind": "report_vs_platform", "unit_code": VINH_YEN, "unit_name": "Thành phố Vĩnh Yên", "district_code": VINH_YEN,
     "cohort": "18+", "dose": 1, "ref_date": pd.Timestamp("2022-03-14"), "detail": "Huyện báo cáo 15.000"},
    {"kind": "two_sources", "unit_code": PROVINCE, "unit_name": "Tỉnh Vĩnh Phúc", "district_code": None,
     "cohort": "", "dose": 0, "ref_date": pd.Timestamp("2022-03-14"), "detail": "Báo cáo ca bệnh: 5 F0"},
])
UNITS = pd.DataFrame({"unit_code": [PROVINCE, VINH_YEN, TICH_SON, TAM_DAO],
                      "unit_name": ["Tỉnh Vĩnh Phúc", "Thành phố Vĩnh Yên", "Phường Tích Sơn", "Huyện Tam Đảo"],
                      "district_code": [None, VINH_YEN, VINH_YEN, TAM_DAO]})


def entry(kind, unit, cohort, dose, status):
    return {"kind": kind, "unit_code": unit, "cohort": cohort, "dose": dose, "status": status, "reason": None,
            "note": None, "owner": "CDC", "updated_by": "syt.cdc", "updated_at": dt.datetime(2022, 3, 14, 9, 0)}


def test_an_entry_whose_discrepancy_left_the_new_snapshot_is_resolved_by_data_and_not_open():
    entries = [entry("coverage_over_100", TICH_SON, "18+", 1, "in_progress"),  # absent from CURRENT
               entry("population", "99999", "18+", None, "new")]  # a unit outside the viewer's scope: not shown
    merged = LV.combine(CURRENT, entries, UNITS).set_index("kind")
    assert list(merged.index) == ["report_vs_platform", "two_sources", "coverage_over_100"]
    gone = merged.loc["coverage_over_100"]
    assert (gone["state_text"], gone["is_open"], gone["unit_name"], gone["present"]) == \
        ("đã khớp theo số liệu mới", False, "Phường Tích Sơn", False)
    assert LV.open_count(LV.combine(CURRENT, entries, UNITS)) == 2  # the two present, without entries: 'mới'
    assert set(merged.loc[["report_vs_platform", "two_sources"], "state_text"]) == {"mới"}


def test_a_corrected_entry_whose_discrepancy_is_still_there_is_reopened_and_open_an_explained_one_is_not():
    entries = [entry("report_vs_platform", VINH_YEN, "18+", 1, "corrected"),
               entry("two_sources", PROVINCE, None, None, "explained")]
    merged = LV.combine(CURRENT, entries, UNITS).set_index("kind")
    assert (merged.loc["report_vs_platform", "state_text"], merged.loc["report_vs_platform", "is_open"]) == \
        ("mở lại", True)
    assert (merged.loc["two_sources", "state_text"], merged.loc["two_sources", "is_open"]) == ("đã giải trình", False)
    assert LV.open_count(LV.combine(CURRENT, entries, UNITS)) == 1
    # corrected and gone from the data: resolved by data, not reopened
    assert LV.combine(CURRENT.iloc[1:], entries, UNITS).set_index("kind").loc["report_vs_platform", "state_text"] == \
        "đã khớp theo số liệu mới"


def test_rejected_file_names_are_shown_to_whole_province_viewers_only(app):
    from etl.settings import load_settings
    from etl.snapshots import RunLog

    log = RunLog(load_settings(app))
    last = sorted(log.runs(), key=lambda r: str(r.get("started_at")))[-1]
    log.append({**last, "run_id": "z-later", "started_at": "2030-01-01T08:00:00",
                "files_rejected": [["bao_cao_huyen_tam_dao_tuan_10.xlsx", "thiếu cột"]]})
    health = open_page(QUALITY, role="health")
    assert list(table(health, "rejected")["Tệp"]) == ["bao_cao_huyen_tam_dao_tuan_10.xlsx"]
    district = open_page(QUALITY, role="district", login="huyen.vinhyen", district=VINH_YEN)
    assert not [b for b in district.main if getattr(b, "key", None) == "table_rejected"]
    text = texts(district)
    assert "1 tệp bị từ chối" in text and "Danh sách tệp do Sở Y tế / CDC giữ" in text
    assert "tam_dao" not in text and "tam_dao" not in json.dumps([str(e.value) for e in district.caption])
    # the query itself gives a district viewer the count without the names (the page cannot show what it never gets)
    from app import queries as q
    from etl.snapshots import current_snapshot

    snapshot = str(current_snapshot(load_settings(app)))
    names = q.rejected_files(load_settings(app), snapshot, (VINH_YEN,))
    assert len(names) == 1 and names["file"].isna().all() and names["reason"].isna().all()
    assert list(q.rejected_files(load_settings(app), snapshot, q.all_districts(snapshot))["file"]) == [
        "bao_cao_huyen_tam_dao_tuan_10.xlsx"]


def test_huyen_cua_toi_counts_the_districts_own_open_items_and_an_explained_one_takes_one_off(app):
    """Vĩnh Yên's own discrepancies (its district and commune rows, not the province's), as the data-quality page
    merges them; explaining one of them takes one off that district's count and nothing off Tam Đảo's."""
    from app import queries as q
    from etl.settings import load_settings
    from etl.snapshots import current_snapshot

    snapshot = str(current_snapshot(load_settings(app)))
    current = q.discrepancies(snapshot, (VINH_YEN,), dt.date(2022, 3, 14))
    own = current[current["district_code"] == VINH_YEN]
    assert len(own) >= 1
    page = "pages/8_Huyen_cua_toi.py"

    def count(text: str) -> int:
        import re

        return int(re.search(r"Sổ theo dõi chênh lệch:\**\s*(\d+) mục đang mở", text).group(1))

    before = count(texts(open_page(page, role="district", login="huyen.vinhyen", district=VINH_YEN)))
    assert before == len(own)  # no entry yet: every one of them is open ("mới")
    first = own.iloc[0]
    store(app).ledger_write(first["kind"], first["unit_code"], first["cohort"] or None, int(first["dose"]) or None,
                            status="explained", reason="Khác", note="Đã giải trình", owner="TTYT", login="syt.cdc",
                            address="127.0.0.1")
    assert count(texts(open_page(page, role="district", login="huyen.vinhyen", district=VINH_YEN))) == before - 1


def test_a_long_ledger_asks_for_the_district_first_and_lists_only_its_items(app, monkeypatch):
    """A whole country's ledger (~90.000 items) cannot be one list: beyond LV.PICK_LIMIT items the form asks for the
    district (the province's own items under the province's name), then lists that district's. Here the limit is
    lowered to 5 for the 13 items of the health account: the province (1 item: two_sources), Vĩnh Yên (243: 3 report
    rows, its two_sources, Tích Sơn's and Liên Bảo's 6 population rows and Tích Sơn's coverage row = 11), Tam Đảo
    (248: 1)."""
    monkeypatch.setattr(LV, "PICK_LIMIT", 5)
    at = open_page(QUALITY, role="health", login="syt.cdc")
    picker = at.selectbox(key="ledger_district")
    assert picker.options == ["Tỉnh Vĩnh Phúc", "Thành phố Vĩnh Yên", "Huyện Tam Đảo"]
    assert len(at.selectbox(key="ledger_item").options) == 1  # the province's own item, listed first
    picker.set_value(VINH_YEN).run()
    offered = at.selectbox(key="ledger_item").options
    assert len(offered) == 11 and not any("Huyện Tam Đảo" in o for o in offered)
    at.selectbox(key="ledger_district").set_value(TAM_DAO).run()
    assert at.selectbox(key="ledger_item").options == [
        LV.label(r) for r in LV.combine(*_current(app, (TAM_DAO,))).itertuples() if r.unit_code == TAM_DAO]
    write_through_the_form(at, TAM_DAO_SOURCES, "in_progress", "Khác", "Cơ sở báo cáo gộp", "Anh Nam")
    assert [(e["unit_code"], e["updated_by"]) for e in store(app).ledger_entries()] == [(TAM_DAO, "syt.cdc")]


def test_writable_asks_the_ledger_rule_once_per_district():
    from app.state import Account

    merged = pd.DataFrame({"key": ["a", "b", "c", "d"], "district_code": ["243", "248", None, "243"]})

    def account(role, district=None):
        return Account(login="x", full_name="x", role=role, district_code=district, disabled=False,
                       must_change_password=False)

    assert list(LV.writable(merged, account("health"))["key"]) == ["a", "b", "c", "d"]
    assert list(LV.writable(merged, account("district", "243"))["key"]) == ["a", "d"]
    assert LV.writable(merged, account("committee")).empty
    assert LV.pick_districts(merged) is None  # 4 items: one list
    assert list(LV.choices(merged, LV.PROVINCE_LEVEL)) == ["c"] and list(LV.choices(merged, "243")) == ["a", "d"]
