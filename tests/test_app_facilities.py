"""The facilities page (pages/7_Co_so_dieu_tri.py) through AppTest, its figures checked against queries of our own on
the hand-made warehouse of conftest_app (F01 Vĩnh Yên: quota 100, 150 beds ready, 120 occupied; F02 Tam Đảo: quota 50,
60 beds ready, 20 occupied, both on 14/03/2022)."""

import duckdb
import pytest

pytest.register_assert_rewrite("conftest_app")
from conftest_app import TAM_DAO, VINH_YEN, excel, open_page, table, texts
from svgmaps import drawn_maps

from etl.settings import load_settings
from etl.snapshots import current_snapshot

pytest_plugins = ["conftest_app"]

PAGE = "pages/7_Co_so_dieu_tri.py"


@pytest.fixture
def app(use_data, app_data):
    return use_data(app_data)


def warehouse(data_dir, sql):
    with duckdb.connect(str(current_snapshot(load_settings(data_dir))), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_districts_beds_against_quota_and_twice_the_quota(app, app_data):
    at = open_page(PAGE)
    assert [t.value for t in at.title] == ["Cơ sở thu dung, điều trị"]
    # independently: straight from the facility rows of the status date, not from the outlook mart
    expected = {r[0]: tuple(r[1:]) for r in warehouse(app_data, """
        SELECT district_code, sum(beds_ready), 2 * sum(bed_quota), sum(occupied)
        FROM marts.facility_daily WHERE status_date = DATE '2022-03-14' AND tier_group = 'local' GROUP BY ALL
    """)}
    rows = table(at, "facility_districts").set_index("Huyện")
    vy, td = rows.loc["Thành phố Vĩnh Yên"], rows.loc["Huyện Tam Đảo"]
    twice = excel(at, "facility_districts").set_index("Huyện")["Gấp đôi định mức"]  # in the Excel file
    assert (vy["Giường sẵn sàng"], twice["Thành phố Vĩnh Yên"], vy["Đang điều trị"]) == expected["243"] == (150, 200, 120)
    assert (td["Giường sẵn sàng"], twice["Huyện Tam Đảo"], td["Đang điều trị"]) == expected["248"] == (60, 100, 20)
    # 120 ÷ 100 = 1,2: over the quota; 20 ÷ 50 = 0,4: normal; occupancy 120 ÷ 150 = 80%
    assert vy["Mức cảnh báo"] == "vượt định mức" and td["Mức cảnh báo"] == "bình thường"
    assert vy["Công suất (%)"] == pytest.approx(80.0)
    # free beds ÷ net admissions (in − out − referred up) of the one reported day: (150 − 120) ÷ (10 − 5 − 1) = 7,5
    # and (60 − 20) ÷ (2 − 1 − 0) = 40
    assert vy["Đến khi đầy"] == "7,5 ngày" and td["Đến khi đầy"] == "40,0 ngày"
    assert vy["Dưới gấp đôi"] == "chưa đủ" and td["Dưới gấp đôi"] == "chưa đủ"
    text = texts(at)
    assert "Giường sẵn sàng chưa đạt gấp đôi định mức được giao ở: Thành phố Vĩnh Yên, Huyện Tam Đảo." in text
    assert "Ngày 14/03/2022" in text


def test_flow_detail_and_empty_sections(app, app_data):
    at = open_page(PAGE)
    (admissions, discharges, referred), = warehouse(app_data, """
        SELECT sum(admissions), sum(discharges), sum(referred_up) FROM marts.facility_daily
        WHERE status_date = DATE '2022-03-14' AND tier_group = 'local'
    """)
    flow = table(at, "facility_flow")
    assert list(flow.iloc[-1][["Tiếp nhận", "Ra viện", "Chuyển tuyến trên"]]) == [admissions, discharges, referred]
    assert (admissions, discharges, referred) == (12, 6, 1)
    fac = table(at, "facility_table").set_index("Cơ sở")
    assert fac.loc["Bệnh viện dã chiến số 1", "Định mức"] == 100
    assert fac.loc["Khu điều trị tập trung Tam Đảo", "Địa bàn"] == "Huyện Tam Đảo"
    assert fac.loc["Bệnh viện dã chiến số 1", "% định mức"] == 120.0
    assert fac.loc["Khu điều trị tập trung Tam Đảo", "Công suất (%)"] == 33.33  # 20 / 60 beds ready
    # tier, twice the quota, referrals and staff are in the Excel file only: the table on screen fits the page
    assert not {"Tuyến", "Gấp đôi định mức", "Nhân viên trực"} & set(fac.columns)
    text = texts(at)
    # the warehouse has no upper-level hospital, community care or duty check
    assert "Bản dữ liệu không có bệnh viện tuyến trên" in text
    assert "Chưa có báo cáo trạm y tế lưu động" in text
    assert "Không có lần kiểm tra nào phát hiện trạm y tế xã không có người trực" in text


def test_days_until_full_wording():
    from app import formatting as F
    assert F.days_until_full(None) == "không tăng"
    assert F.days_until_full(120.0) == "> 90 ngày"
    assert F.days_until_full(90) == "90,0 ngày"


def test_occupancy_map_of_the_districts(app):
    drawn = drawn_maps(open_page(PAGE))["occupancy_map"]
    # Vĩnh Yên 120 ÷ 150 = 80%; Tam Đảo 20 ÷ 60 = 33,33%; the 7 districts without a facility are hatched, not holes
    assert drawn.bin_of(VINH_YEN) == "80–90%" and drawn.bin_of(TAM_DAO) == "dưới 50%"
    assert len(drawn.fills) == 9 and sum(drawn.bin_of(c) == "chưa có số liệu" for c in drawn.fills) == 7
    assert drawn.labels[VINH_YEN] == ["TP. Vĩnh Yên", "80,00%"] and drawn.labels[TAM_DAO] == ["Tam Đảo", "33,33%"]
    assert drawn.hovers[VINH_YEN] == ("Thành phố Vĩnh Yên\nĐang điều trị: 120\nGiường sẵn sàng: 150\n"
                                      "Công suất sử dụng giường: 80,00%")
    assert drawn.title == "Công suất sử dụng giường"
    # fuller is darker: 80–90% is the third of five shades, below 50% the palest
    assert (drawn.fills[VINH_YEN], drawn.fills[TAM_DAO]) == ("#fc8d59", "#fef0d9")


def test_a_snapshot_older_than_the_facility_marts_says_how_to_rebuild(use_data, app_copy):
    """A snapshot published by an earlier ETL (another model version) lacks marts.facility_outlook: the page says so,
    no stack trace."""

    with duckdb.connect(str(current_snapshot(load_settings(app_copy)))) as con:
        con.execute("DROP TABLE marts.facility_outlook")
        con.execute("UPDATE meta.snapshot SET model_version = 'phien_ban_cu'")
    use_data(app_copy)
    at = open_page()
    at.switch_page(PAGE).run()
    assert not at.exception
    (error,) = at.error
    assert "phiên bản cũ" in error.value and "facility_outlook" in error.value
    assert "python -m etl run --rebuild" in error.value


def test_the_flow_of_one_district(app):
    at = open_page(PAGE)
    at.selectbox(key="flow_district").select(VINH_YEN).run()
    last = table(at, "facility_flow").iloc[-1]
    # F01 alone, the only facility of Vĩnh Yên: 10 in, 5 out, 1 referred up, 120 in bed
    assert list(last[["Tiếp nhận", "Ra viện", "Chuyển tuyến trên", "Đang điều trị"]]) == [10, 5, 1, 120]
    assert "Thành phố Vĩnh Yên, theo ngày báo cáo" in texts(at)
