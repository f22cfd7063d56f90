"""One figure, one definition: what two pages (or the sidebar and a page) show of the same thing agrees, on the
hand-made warehouses of conftest_app (the sums that give each expectation beside it)."""
import datetime as dt

import pytest

pytest.register_assert_rewrite("conftest_app")
from conftest_app import open_page, read, table, texts

pytest_plugins = ["conftest_app"]

OVERVIEW = "pages/1_Tong_quan.py"
CASES = "pages/3_Ca_benh_co_so_dieu_tri.py"
QUALITY = "pages/5_Chat_luong_so_lieu.py"


def metrics(at) -> dict:
    return {m.label: m for m in at.metric}


@pytest.fixture
def app(use_data, app_data):
    return use_data(app_data)


@pytest.fixture
def complete(use_data, complete_data):
    return use_data(complete_data)


def test_the_f0_headline_measures_every_7_day_figure_to_the_last_complete_day_on_both_pages(complete):
    """Every commune reported 01–14/03; on 15/03 only Tích Sơn so far (5 F0). Tích Sơn: 10 a day to 07/03, 20 a day
    08–14/03; 35.000 people. The 7 days to 14/03: 140 (20,0 a day, 400,0 per 100.000) against 70 the week before."""
    overview = open_page(OVERVIEW)
    o = metrics(overview)
    assert o["F0 mới ngày 15/03/2022"].value == "5"  # today's new F0 stays, said to be still filling
    assert o["F0 mới ngày 15/03/2022"].delta == "chưa đủ xã báo cáo"
    assert o["Trung bình 7 ngày (lùi)"].value == "20,0"
    assert o["F0 7 ngày /100.000 dân"].value == "400,0"
    assert o["Trung bình 7 ngày (lùi)"].delta == "+70 ca (+100,0%) / 7 ngày"
    assert o["Xu hướng 7 ngày"].delta == "đến ngày 14/03/2022"
    basis = "7 ngày đến 14/03/2022, ngày gần nhất mọi xã đã báo cáo"
    assert basis in texts(overview)

    cases = open_page(CASES)
    c = metrics(cases)
    # the same scope (the province), the same as-of date: the same numbers, said to be of the same day
    assert c["F0 7 ngày /100.000 dân"].value == o["F0 7 ngày /100.000 dân"].value
    assert c["F0 7 ngày /100.000 dân"].delta == "+70 ca so với 7 ngày trước"
    assert basis in texts(cases)
    # the 7-day F1 share on the same basis: 0 of 140 (the complete warehouse registers no F1)
    assert c["F0 mới đã là F1 (7 ngày)"].value == "0,00%"


def test_with_no_complete_day_both_pages_say_the_7_days_are_still_filling(app):
    """Only 2 of 136 communes ever report: no day is complete, the 7 days are those to the report date (14/03:
    7 × 20 = 140 ÷ 35.000 × 100.000 = 400,0) and no change is claimed."""
    overview = open_page(OVERVIEW)
    o = metrics(overview)
    cases = open_page(CASES)
    c = metrics(cases)
    assert o["F0 7 ngày /100.000 dân"].value == c["F0 7 ngày /100.000 dân"].value == "400,0"
    assert not o["Trung bình 7 ngày (lùi)"].delta and c["F0 7 ngày /100.000 dân"].delta == "chưa xét được xu hướng"
    label = "7 ngày đến 14/03/2022 (chưa có ngày nào mọi xã đã báo cáo: số còn tăng)"
    assert label in texts(overview) and label in texts(cases)


def test_report_vs_platform_deviations_are_one_count_per_level_on_the_overview_and_the_quality_page(app):
    """Vĩnh Yên's report of 07/03 (the only district report). District rows (its two communes summed): 18+ mũi 1
    6.000 + 9.000 = 15.000 against 6.000 + 12.000 = 18.000 (83,33%), 12–17 mũi 1 and mũi 2 90 + 90 = 180 and
    80 + 80 = 160 against none on the platform: 3 rows. Commune rows: Liên Bảo 18+ mũi 1 9.000 of 12.000 (75%), and
    12–17 mũi 1 and mũi 2 at both communes: 5 rows. (Before: the overview counted the 3 district rows, the quality
    page's check the 5 commune rows, and neither said which.)"""
    overview = open_page(OVERVIEW)
    text = texts(overview)
    assert "**Báo cáo tuần của huyện lệch quá 10% so với nền tảng tiêm chủng** (3 dòng huyện × nhóm tuổi × mũi)" in text
    sentence = "3 dòng huyện × nhóm tuổi × mũi lệch quá 10%; ở cấp xã 5 dòng xã × nhóm tuổi × mũi"
    assert ("Báo cáo tuần gần nhất của mỗi huyện (ngày 07/03/2022), so với nền tảng cùng ngày: " + sentence) in text
    assert len(table(overview, "exc_reconciliation")) == 3

    quality = open_page(QUALITY)
    text = texts(quality)
    assert ("Báo cáo tuần gần nhất của mỗi huyện (ngày 07/03/2022), lệch quá 10% so với nền tảng: **3** dòng huyện × "
            "nhóm tuổi × mũi; ở cấp xã **5** dòng xã × nhóm tuổi × mũi.") in text
    rec = table(quality, "rec_districts")
    assert (rec["Lệch quá 10%"] != "").sum() == 3  # the district table's flagged rows are the overview's 3
    checks = table(quality, "checks").set_index("Kiểm tra")
    # the check counts the commune rows, and the page says so beside it
    assert checks.loc["Số liệu báo cáo của huyện lệch quá 10% so với nền tảng tiêm chủng", "Số dòng bất thường"] == 5
    assert "đếm dòng xã × nhóm tuổi × mũi của ngày báo cáo mới nhất" in text


def test_a_weekly_report_due_on_the_as_of_date_is_not_yet_due_in_the_sidebar_the_quality_page_and_the_deadlines(
        app, app_data):
    """The weekly report due 07/03/2022: Vĩnh Yên's file arrived on 07/03, the 8 other districts sent none. As of
    07/03 the 8 are still in time ("chưa đến hạn": before, the sidebar and the quality page said "chưa nộp" while
    the deadline page said "chưa đến hạn"); as of 08/03 they are missing everywhere."""
    from app import queries as q
    from etl.settings import load_settings
    from etl.snapshots import current_snapshot

    at = open_page(QUALITY)
    at.sidebar.date_input(key="as_of").set_value(dt.date(2022, 3, 7)).run()
    line = "Báo cáo tuần của huyện, hạn 07/03/2022 (hôm nay): đã nhận 1/9, các huyện còn lại chưa đến hạn."
    assert line in [m.value for m in at.sidebar.markdown]
    assert not at.sidebar.warning
    assert line in [m.value for m in at.markdown]  # the page says the sidebar's line, from the same rows
    subs = table(at, "submissions")
    weekly = subs[subs["Hạn"].dt.date == dt.date(2022, 3, 7)].set_index("Đơn vị")
    assert weekly.loc["Huyện Tam Đảo", "Tình trạng"] == "chưa đến hạn"
    assert weekly.loc["Thành phố Vĩnh Yên", "Tình trạng"] == "đúng hạn"
    snap = str(current_snapshot(load_settings(app_data)))
    every = q.all_districts(snap)
    deadlines = q.target_reports(snap, every, dt.date(2022, 3, 7))
    tam_dao = deadlines[(deadlines["report_kind"] == "district_report") & (deadlines["unit_name"] == "Huyện Tam Đảo")]
    assert list(tam_dao["state"]) == ["upcoming"]  # the deadline page's word, the same

    at.sidebar.date_input(key="as_of").set_value(dt.date(2022, 3, 8)).run()
    assert [w.value for w in at.sidebar.warning] == [
        "Báo cáo tuần của huyện, hạn 07/03/2022 — chưa nộp (8): Phúc Yên, Lập Thạch, Tam Dương, Tam Đảo, Bình "
        "Xuyên, Yên Lạc, Vĩnh Tường, Sông Lô"]
    subs = table(at, "submissions")
    weekly = subs[subs["Hạn"].dt.date == dt.date(2022, 3, 7)].set_index("Đơn vị")
    assert weekly.loc["Huyện Tam Đảo", "Tình trạng"] == "chưa nộp, quá hạn 1 ngày"  # one day overdue on 08/03
    assert list(q.target_reports(snap, every, dt.date(2022, 3, 8)).query(
        "report_kind == 'district_report' and unit_name == 'Huyện Tam Đảo'")["state"]) == ["missing"]


def test_the_overview_names_the_facilities_source_and_links_the_check_comparing_it_with_the_case_reports(app):
    """14/03: the facilities report 120 (F01, Vĩnh Yên) + 20 (F02, Tam Đảo) = 140 patients; the case reports count 5
    F0 in facilities (Tích Sơn, Vĩnh Yên). facility_vs_case_reports flags Vĩnh Yên (5 against 120), Tam Đảo (0
    against 20) and the province (5 against 140)."""
    overview = open_page(OVERVIEW)
    text = texts(overview)
    assert ("Theo báo cáo của cơ sở điều trị (người bệnh đang điều trị tại cơ sở), ngày 14/03/2022. Trang Ca bệnh F0 "
            "đếm F0 điều trị tại cơ sở theo báo cáo ca bệnh: hai nguồn khác nhau.") in text
    assert ("Hai nguồn lệch nhau ở 3 đơn vị — Tỉnh Vĩnh Phúc, ngày 14/03/2022: Báo cáo ca bệnh: 5 F0 điều trị tại cơ "
            "sở; báo cáo cơ sở điều trị: 140 người đang điều trị (lệch 135).") in [read(w.value) for w in overview.warning]
    (link,) = [p for p in overview.get("page_link") if "kiem_tra" in str(p.proto)]
    assert link.proto.page == "Chat_luong_so_lieu" and "facility_vs_case_reports" in str(link.proto)
    # the F0 page's figure is the case reports' 5, named by its source
    cases = open_page(CASES)
    assert metrics(cases)["Đang điều trị tại nhà"].delta.endswith("tại cơ sở 5 (báo cáo ca bệnh)")


def test_the_link_opens_the_quality_page_on_that_check(app):
    from conftest_app import app_test

    at = app_test().run()
    at.switch_page(QUALITY)
    at.query_params["kiem_tra"] = "facility_vs_case_reports"  # what the overview's link carries
    at.run()
    assert not at.exception
    assert at.selectbox(key="check_rows").value == "facility_vs_case_reports"
    rows = table(at, "check_detail")
    assert set(rows["Đơn vị"]) == {"Tỉnh Vĩnh Phúc", "Thành phố Vĩnh Yên", "Huyện Tam Đảo"}
