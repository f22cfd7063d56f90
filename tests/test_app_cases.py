"""The F0 page (pages/3_Ca_benh_co_so_dieu_tri.py) through AppTest, on the hand-made warehouse of conftest_app.

Cases, 01–14/03/2022: Tích Sơn (Thành phố Vĩnh Yên) 10 new F0 a day, 20 a day from 08/03; 35 active (30 at home,
5 in a facility), all monitored, 30 of them given antiviral medicine, 27 on 14/03. Liên Bảo (Vĩnh Yên): no new F0,
10 active at home, monitored, none given medicine. No other commune reports. Population (start of period, every age):
Tích Sơn 10.000, Liên Bảo 20.000, Đạo Trù (Huyện Tam Đảo) 5.000.
"""
import datetime as dt
import json

import duckdb
import pytest

pytest.register_assert_rewrite("conftest_app")
from conftest_app import TAM_DAO, VINH_YEN, excel, open_page, table, texts
from svgmaps import drawn_maps

from app import queries as q
from etl.settings import load_settings
from etl.snapshots import current_snapshot

pytest_plugins = ["conftest_app"]

PAGE = "pages/3_Ca_benh_co_so_dieu_tri.py"
DAY = dt.date(2022, 3, 14)


def spec_text(chart) -> str:
    """A chart's plotly spec as text with its Vietnamese written out: plotly escapes it as \\uXXXX unless orjson
    happens to be installed, so the raw spec cannot be searched for Vietnamese words."""
    return json.dumps(json.loads(chart.proto.spec), ensure_ascii=False)


@pytest.fixture
def app(use_data, app_data):
    return use_data(app_data)


def communes_of_the_province(data_dir) -> int:
    """Independently of the cases marts: the communes of Vĩnh Phúc in the unit list."""
    with duckdb.connect(str(current_snapshot(load_settings(data_dir))), read_only=True) as con:
        return con.execute("SELECT count(*) FROM marts.units WHERE unit_level = 'commune'").fetchone()[0]


def test_trend_7_day_average_rate_and_days_not_every_commune_reported(app, app_data):
    at = open_page(PAGE)
    assert [t.value for t in at.title] == ["Ca bệnh F0"]
    trend = table(at, "f0_table")
    assert len(trend) == 14  # 90 days asked, 14 in the data
    last = trend.iloc[-1]
    # 7 × 20 = 140 new F0 over 7 days: average 20,0; 140 ÷ 35.000 people × 100.000 = 400,0
    assert last["Ngày báo cáo"].date() == DAY and last["F0 mới"] == 20 and last["TB 7 ngày"] == 20.0
    assert last["F0 7 ngày /100.000"] == 400.0
    # on 07/03: 7 × 10 = 70 ÷ 35.000 × 100.000 = 200,0
    assert trend.iloc[6]["TB 7 ngày"] == 10.0 and trend.iloc[6]["F0 7 ngày /100.000"] == 200.0
    assert trend["TB 7 ngày"].isna().sum() == 6  # the first 6 days have no full week behind them
    # 2 communes of the province reported: every day is still incomplete, and says so
    expected = communes_of_the_province(app_data)
    in_file = excel(at, "f0_table").iloc[-1]  # the communes' counts are in the Excel file
    assert (in_file["Xã đã báo cáo"], in_file["Số xã"]) == (2, expected) and expected > 100
    assert set(trend["Chưa đủ báo cáo"]) == {"chưa đủ"}
    assert "Chưa đủ báo cáo: 10/03/2022, 11/03/2022, 12/03/2022, 13/03/2022, 14/03/2022 …" in texts(at)
    chart = next(c for c in at.get("plotly_chart") if "F0 mới, ngày chưa đủ xã báo cáo" in spec_text(c))
    assert "Ngày báo cáo" in spec_text(chart)


def test_active_split_between_home_and_facility(app):
    at = open_page(PAGE)
    active = table(at, "f0_table").iloc[-1]  # the one table twin of both charts
    # at home 30 + 10, in a facility 5
    assert (active["Điều trị tại nhà"], active["Điều trị tại cơ sở"]) == (40, 5)
    assert any("Điều trị tại cơ sở" in spec_text(c) for c in at.get("plotly_chart"))


def test_small_multiples_per_district_beside_the_province(app):
    at = open_page(PAGE)
    rows = table(at, "f0_multiples_table")
    last = rows[rows["Ngày"].dt.date == DAY].iloc[0]
    assert len(rows) == 14 and list(rows.columns) == ["Ngày", "Toàn tỉnh", "Vĩnh Yên", "Phúc Yên", "Lập Thạch",
                                                     "Tam Dương", "Tam Đảo", "Bình Xuyên", "Yên Lạc", "Vĩnh Tường",
                                                     "Sông Lô"]
    # Vĩnh Yên: 140 ÷ (10.000 + 20.000) × 100.000 = 466,67, shown to 1 decimal: 466,7; Tam Đảo: 0 of 5.000; the
    # province 400,0 behind both
    assert last["Vĩnh Yên"] == 466.7
    assert last["Tam Đảo"] == 0.0 and last["Toàn tỉnh"] == 400.0
    in_file = excel(at, "f0_multiples_table")
    assert in_file.iloc[-1]["Số huyện chưa đủ báo cáo"] == 9  # 2 communes of the province report
    spec = spec_text(next(c for c in at.get("plotly_chart") if "Toàn tỉnh" in spec_text(c)))
    assert "Vĩnh Yên" in spec and "Tam Đảo" in spec


def test_the_period_narrows_every_chart(app):
    at = open_page(PAGE)
    at.radio(key="f0_days").set_value(30).run()
    assert len(table(at, "f0_table")) == 14
    assert "30 ngày đến ngày 14/03/2022" in texts(at)


def test_care_gaps_per_district_then_per_commune_with_the_alert(app):
    at = open_page(PAGE)
    gaps = table(at, "care_gaps").set_index("Đơn vị")
    vy = gaps.loc["Thành phố Vĩnh Yên"]
    # without medicine: Tích Sơn 35 − 27 = 8, Liên Bảo 10 − 0 = 10: 18 of 45 active = 40,00%; everyone monitored
    assert (vy["F0 đang điều trị"], vy["Chưa có thuốc"], vy["Chưa có thuốc (%)"]) == (45, 18, 40.0)
    assert (vy["Chưa theo dõi"], vy["Chưa theo dõi (%)"]) == (0, 0.0)
    # 13/03: 5 + 10 = 15, 14/03: 18: the gap grew by 3
    assert vy["Tăng so với hôm trước"] == "tăng"
    assert list(gaps.index)[0] == "Thành phố Vĩnh Yên"  # the largest gap first
    text = texts(at)
    assert ("Số F0 chưa có thuốc hoặc chưa được theo dõi tăng so với hôm trước ở huyện: Thành phố Vĩnh Yên."
            in text)
    at.selectbox(key="gap_district").select(VINH_YEN).run()
    communes = table(at, "care_gap_communes")
    assert list(communes["Đơn vị"][:2]) == ["Phường Liên Bảo", "Phường Tích Sơn"]  # ranked: 10, then 8
    ts = communes.set_index("Đơn vị").loc["Phường Tích Sơn"]
    # 8 ÷ 35 = 22,86%; up from 5 the day before
    assert (ts["Chưa có thuốc"], ts["Chưa có thuốc (%)"], ts["Tăng so với hôm trước"]) == (8, 22.86, "tăng")
    lb = communes.set_index("Đơn vị").loc["Phường Liên Bảo"]
    assert (lb["Chưa có thuốc"], lb["Chưa có thuốc (%)"], lb["Tăng so với hôm trước"]) == (10, 100.0, "")
    assert ("tăng so với hôm trước ở các xã của Thành phố Vĩnh Yên: Phường Tích Sơn." in texts(at))


def test_the_f0_map_names_every_district_with_its_rate_and_has_no_bin_a_rate_cannot_reach(app):
    at = open_page(PAGE)
    drawn = drawn_maps(at)["f0_map"]
    assert drawn.title == "F0 7 ngày /100.000 dân"
    # 466,7 at most: round steps of 100; districts without population have no rate
    assert list(drawn.legend.values()) == ["0–100", "100–200", "200–300", "300–400", "400–500", "chưa có số liệu"]
    # Vĩnh Yên: 7 × 20 = 140 new F0 ÷ 30.000 people × 100.000 = 466,7, the darkest bin; Tam Đảo 0 ÷ 5.000 = 0,0
    assert drawn.labels[VINH_YEN] == ["TP. Vĩnh Yên", "466,7"] and drawn.bin_of(VINH_YEN) == "400–500"
    assert drawn.labels[TAM_DAO] == ["Tam Đảo", "0,0"] and drawn.bin_of(TAM_DAO) == "0–100"
    assert drawn.fills[VINH_YEN] == "#b30000" and drawn.fills[TAM_DAO] == "#fef0d9"
    assert "F0 mới 7 ngày: 140" in drawn.hovers[VINH_YEN] and "Dân số đầu kỳ: 30.000" in drawn.hovers[VINH_YEN]
    # every day is still incomplete (2 communes of the province report): no week-on-week direction yet
    assert "Xu hướng 7 ngày: chưa rõ" in drawn.hovers[VINH_YEN]
    assert len(drawn.labels) == 9 and sum(f == "none" for f in drawn.fills.values()) == 7


def test_a_district_account_sees_only_its_district(app):
    at = open_page(PAGE, role="district", login="kiemthu.tamdao", district=TAM_DAO)
    assert list(table(at, "f0_multiples_table").columns[1:3]) == ["Toàn tỉnh", "Tam Đảo"]
    assert table(at, "f0_table")["F0 mới"].sum() == 0
    text = texts(at)
    assert "Huyện Tam Đảo (phạm vi được phân công), ngày báo cáo 14/03/2022" in text
    # the headline is Tam Đảo's, not the province's: no F0 among its 5.000 people
    assert next(m for m in at.metric if m.label == "F0 7 ngày /100.000 dân").value == "0,0"


def test_the_trend_query_takes_its_days_back_from_the_latest_report(app_data):
    snap = str(current_snapshot(load_settings(app_data)))
    week = q.cases_trend(snap, (VINH_YEN, TAM_DAO), DAY, 7)
    assert [d.day for d in week["report_date"]] == list(range(8, 15))
    # as of a date after the last report: the same 7 days, not 7 empty ones
    assert q.cases_trend(snap, (VINH_YEN, TAM_DAO), dt.date(2022, 4, 1), 7)["new_f0"].tolist() == [20] * 7


@pytest.fixture
def complete(use_data, complete_data):
    return use_data(complete_data)


def test_a_day_still_filling_is_marked_and_kept_out_of_the_trend(complete):
    """Every commune reported 01–14/03; on 15/03 only Tích Sơn so far (5 F0)."""
    at = open_page(PAGE)
    trend = table(at, "f0_table")
    assert len(trend) == 15
    marked = trend[trend["Chưa đủ báo cáo"] == "chưa đủ"]["Ngày báo cáo"].dt.date.tolist()
    assert marked == [dt.date(2022, 3, 15)]
    # the chart: only 15/03 is hatched, and the shading covers that day alone
    spec = json.loads(next(c for c in at.get("plotly_chart")
                           if "F0 mới, ngày chưa đủ xã báo cáo" in spec_text(c)).proto.spec)
    (hatched,) = [t for t in spec["data"] if t.get("name") == "F0 mới, ngày chưa đủ xã báo cáo"]
    assert [x[:10] for x in hatched["x"]] == ["2022-03-15"]
    (shade,) = spec["layout"]["shapes"]
    assert (shade["x0"], shade["x1"]) == ("2022-03-14T12:00:00", "2022-03-15T12:00:00")
    # the rate and the week on week change are both taken on 14/03, the last complete day: 08–14/03 = 7 × 20 = 140
    # against 01–07/03 = 70, not on 15/03 (09–15/03: 6 × 20 + 5 = 125 so far), which would read as a fall
    rate = next(m for m in at.metric if m.label == "F0 7 ngày /100.000 dân")
    assert rate.value == "400,0"  # 140 ÷ 35.000 × 100.000 (was 357,1: 125 to the filling 15/03)
    assert rate.delta == "+70 ca so với 7 ngày trước"
    assert "7 ngày đến 14/03/2022, ngày gần nhất mọi xã đã báo cáo" in texts(at)


def test_the_overview_judges_the_trend_on_the_last_complete_day(complete):
    at = open_page()
    metrics = {m.label: m for m in at.metric}
    assert metrics["F0 mới ngày 15/03/2022"].value == "5"
    assert metrics["F0 mới ngày 15/03/2022"].delta == "chưa đủ xã báo cáo"
    # every 7-day figure to 14/03, the last complete day: 08–14/03 = 140 (was 17,9 and 357,1: 125 to 15/03)
    avg = metrics["Trung bình 7 ngày (lùi)"]
    assert avg.value == "20,0"  # 140 ÷ 7
    assert avg.delta == "+70 ca (+100,0%) / 7 ngày"  # 140 against 01–07/03 = 70
    trend = metrics["Xu hướng 7 ngày"]
    assert (trend.value, trend.delta) == ("tăng", "đến ngày 14/03/2022")
    assert metrics["F0 7 ngày /100.000 dân"].value == "400,0"  # 140 ÷ 35.000 × 100.000
    assert ("Trung bình 7 ngày, xu hướng và F0 7 ngày /100.000 dân: 7 ngày đến 14/03/2022, ngày gần nhất mọi xã "
            "đã báo cáo. F0 mới ngày 15/03/2022: chưa đủ xã báo cáo (1/136 xã).") in texts(at)


def test_headline_active_at_home_f1_share_and_fatality(app):
    at = open_page(PAGE)
    metrics = {m.label: m for m in at.metric}
    home = metrics["Đang điều trị tại nhà"]
    # 30 + 10 at home of 45 active = 88,89%; 5 in a facility
    # F0 in facilities as the case reports count them (by where the F0 lives): the facilities' own reports, shown on the
    # overview and the facility page, count the patients they hold; the two are named by source and compared by a check
    assert (home.value, home.delta) == ("40", "88,89% tổng số; tại cơ sở 5 (báo cáo ca bệnh)")
    # 1 new F0 a day at Tích Sơn was already an F1: 7 of the 140 of the last 7 days = 5,00%
    assert metrics["F0 mới đã là F1 (7 ngày)"].value == "5,00%"
    # 14 days of reports: no 28-day window yet, so no 28-day ratio; no death, no severe case
    cfr = metrics["Tỷ lệ tử vong/F0 (28 ngày)"]
    assert (cfr.value, cfr.delta) == ("–", "nặng mới 0, tử vong 0")
    assert "cộng dồn từ đầu: 0,000%" in texts(at)


def test_a_districts_communes_on_the_f0_map_with_their_direction(app):
    """Vĩnh Yên's communes (the warehouse's boundary file): Tích Sơn 7 × 20 = 140 F0 ÷ 10.000 × 100.000 = 1.400,0,
    up from 70 the week before; Liên Bảo 0 ÷ 20.000 = 0,0; communes without a population figure hatched."""
    at = open_page(PAGE)
    at.selectbox(key="gap_district").select(VINH_YEN).run()
    drawn = drawn_maps(at)["f0_map_xa"]
    assert drawn.labels["08707"] == ["P. Tích Sơn", "1.400,0 ▲"] and drawn.bin_of("08707") == "1.000–1.500"
    assert drawn.labels["08710"] == ["P. Liên Bảo", "0,0 ►"] and drawn.bin_of("08710") == "0–500"
    assert "Xu hướng 7 ngày: ▲ tăng" in drawn.hovers["08707"]
    assert len(drawn.fills) == 9 and sum(fill == "none" for fill in drawn.fills.values()) == 7
    # the province's map by commune: the same figures, every commune of the boundary file (Vĩnh Yên's and Tam Đảo's)
    at.radio(key="f0_map_level").set_value("commune").run()
    province = drawn_maps(at)["f0_map_tinh_xa"]
    assert province.hovers["08707"] == drawn.hovers["08707"] and len(province.fills) > 9
