"""The data checks (etl/sql/checks) on one tiny inbox built by the real pipeline: each check is given a row that must
trip it beside one that must not, and the rows it flags are asserted exactly, details written the Vietnamese way.

Cases, 14/02 → 14/03/2022 (29 days), Tích Sơn and Liên Bảo (Thành phố Vĩnh Yên, 243) and Đạo Trù (Huyện Tam Đảo, 248):
- New F0 of each district for the 28 days 14/02–13/03: 8, 2, 8, 2, … for 12 days, then 5 a day for 16 days: mean
  140 ÷ 28 = 5, sample SD √((6 × 3² + 6 × 3² + 16 × 0²) ÷ 27) = √(108 ÷ 27) = 2, so 3 SD above the mean is 11.
  On 14/03 Vĩnh Yên has 12 (flagged), Tam Đảo 10 (not). Vĩnh Yên's F0 are Tích Sơn's but for Liên Bảo's 2 on 14/02.
- Liên Bảo's deaths: one on 19/02, 01/03 and 06/03, so its cumulative deaths reach its 2 cases on 01/03 (not above)
  and pass them on 06/03 (flagged once, on that first day).
- Care on 14/03 (active at home + in a facility / given antiviral medicine / monitored): Tích Sơn 1.100 + 100 /
  1.250 / 1.200, Liên Bảo 30 + 10 / 40 / 41 (both flagged), Đạo Trù 50 + 0 / 50 / 50 (exactly all: not).
Platform: Tích Sơn 18+ 1.000 with dose 1 on 01/03, 1.200 with dose 2 on 02/03 (flagged on 02/03, the latest date);
Liên Bảo 12–17 300 with dose 2 on 01/03 before 300 with dose 1 on 02/03 (equal on the latest date: not).
Population: Tích Sơn at the start of the period 7.000 + 1.900 + 1.200 = 10.100 in cohorts for 10.000 in all (flagged);
currently present the same cohorts for 10.100 (not).
District report of Vĩnh Yên, 14/03/2022, against the populations it states itself (start / currently present):
- Tích Sơn: 18+ 7.200 with dose 1 of 7.000 / 7.300; 12–17 1.000 of 900 / 950; dose 4 of 18+ and pregnant women blank.
- Liên Bảo: 18+ 13.600 with dose 1 of 14.000 / 13.500; 12–17 1.700 of 1.800 / 1.700 and 5–11 2.100 of 2.200 / 2.100
  (exactly all the currently present); no blank (zeros are figures).
- Hội Hợp: every cohort and dose exactly 100% of both populations.
Facilities (Vĩnh Yên F01, Tam Đảo F02, an upper-level hospital BV01), on 13/03 then 14/03: occupied 0 / 9 / 3 then
110 / 2 / 5; F01 referred 1 then 3 up, BV01 admitted 2 then 1. Against the case reports' F0 in facilities on 14/03
(Vĩnh Yên 100 + 10 = 110, Tam Đảo 0, the province 110): Tam Đảo 0 vs 2 is a gap of 2 and ≥ 10% (flagged); Vĩnh Yên
110 vs 110 (not); the province 110 vs 117, a gap of 7 below 10% of 117 (not). 13/03 is not each unit's latest day both
sources reported (its gaps are not listed). Referred up 3 > admitted 1 on 14/03 (flagged); 1 < 2 on 13/03 (not).
Tam Đảo's reports of 07/03 (Đạo Trù 18+ 3.600 with dose 1 of 3.500 / 3.400: above both) and 14/03 (3.400, exactly all
the currently present): only each district's latest report is its current word, so 07/03 is not flagged.
"""
from __future__ import annotations

import datetime as dt

import pytest

from builders import (DAO_TRU, LIEN_BAO, TICH_SON, cases_csv, district_report_xlsx, flagged, headers, platform_csv,
                      population_csv, report_figures, run_and_open, write_csv)
from etl import contracts as C
from etl.settings import load_settings

HOI_HOP = "08713"
D = dt.date
FIRST = D(2022, 2, 14)
LAST = D(2022, 3, 14)


def _district_new_f0(i: int, last: int) -> int:
    """New F0 of a district on day i (0 = 14/02), `last` on 14/03."""
    if i == 28:
        return last
    if i < 12:
        return 8 if i % 2 == 0 else 2
    return 5


def _case_rows() -> list[list[object]]:
    rows = []
    for i in range(29):
        day = (FIRST + dt.timedelta(days=i)).strftime("%d/%m/%Y")
        lien_bao_new = 2 if i == 0 else 0
        lien_bao_deaths = 1 if i in (5, 15, 20) else 0
        care = {TICH_SON: (1100, 100, 1250, 1200), LIEN_BAO: (30, 10, 40, 41), DAO_TRU: (50, 0, 50, 50)} \
            if i == 28 else {}
        # [commune, date, new F0, from F1, at home, in a facility, recovered, severe, deaths, antiviral, monitored]
        for commune, new, deaths in ((TICH_SON, _district_new_f0(i, 12) - lien_bao_new, 0),
                                     (LIEN_BAO, lien_bao_new, lien_bao_deaths),
                                     (DAO_TRU, _district_new_f0(i, 10), 0)):
            home, facility, antiviral, monitored = care.get(commune, (0, 0, 0, 0))
            rows.append([commune, day, new, 0, home, facility, 0, 0, deaths, antiviral, monitored])
    return rows


REPORT = [
    ["Phường Tích Sơn", *report_figures(
        pop_start_18=7000, pop_start_12_17=900, pop_start_5_11=1100,
        pop_current_18=7300, pop_current_12_17=950, pop_current_5_11=1150,
        d18_1=7200, d18_2=6500, d18_3=3000, d18_4=None, d12_1=1000, d12_2=800, d5_1=500, d5_2=100,
        unvax_pregnant=None)],
    ["Phường Liên Bảo", *report_figures(
        pop_start_18=14000, pop_start_12_17=1800, pop_start_5_11=2200,
        pop_current_18=13500, pop_current_12_17=1700, pop_current_5_11=2100,
        d18_1=13600, d18_2=13000, d18_3=9000, d18_4=100, d12_1=1700, d12_2=1500, d5_1=2100, d5_2=900)],
    ["Phường Hội Hợp", *report_figures(
        pop_start_18=3500, pop_start_12_17=450, pop_start_5_11=550,
        pop_current_18=3500, pop_current_12_17=450, pop_current_5_11=550,
        d18_1=3500, d18_2=3500, d18_3=3500, d18_4=3500, d12_1=450, d12_2=450, d12_3=450, d5_1=550, d5_2=550)],
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    settings = load_settings(tmp_path_factory.mktemp("checks") / "data", province="26")
    inbox = settings.inbox
    population_csv(inbox / "population/dan_so.csv", [
        [TICH_SON, "đầu kỳ", 10000, 7000, 1900, 1200, "thử"],
        [TICH_SON, "hiện có", 10100, 7000, 1900, 1200, "thử"],
        [LIEN_BAO, "đầu kỳ", 20000, 14000, 1800, 2200, "thử"],
    ])
    platform_csv(inbox / "platform/nen_tang.csv", [
        [TICH_SON, "01/03/2022", "18+", 1, "Pfizer", 1000],
        [TICH_SON, "02/03/2022", "18+", 2, "Pfizer", 1200],
        [LIEN_BAO, "01/03/2022", "12-17", 2, "Pfizer", 300],
        [LIEN_BAO, "02/03/2022", "12-17", 1, "Pfizer", 300],
    ], when=dt.datetime(2022, 3, 3, 1, 0))
    cases_csv(inbox / "cases/ca_benh.csv", _case_rows())
    write_csv(inbox / "facilities/co_so.csv", headers(C.FACILITIES), [
        ["F01", "Bệnh viện dã chiến Vĩnh Yên", "243", "tuyến huyện", 200, "01/01/2022", ""],
        ["F02", "Khu điều trị Tam Đảo", "248", "tuyến huyện", 50, "01/01/2022", ""],
        ["BV01", "Bệnh viện tuyến trên", "Tỉnh", "tuyến trên", 100, "01/01/2022", ""],
    ])
    # [facility, date, beds ready, occupied, admissions, discharges, referred up, staff on duty]
    write_csv(inbox / "facility_status/hoat_dong.csv", headers(C.FACILITY_STATUS), [
        ["F01", "13/03/2022", 200, 0, 1, 0, 1, 5], ["F02", "13/03/2022", 50, 9, 9, 0, 0, 3],
        ["BV01", "13/03/2022", 100, 3, 2, 0, 0, 9],
        ["F01", "14/03/2022", 200, 110, 113, 0, 3, 5], ["F02", "14/03/2022", 50, 2, 0, 7, 0, 3],
        ["BV01", "14/03/2022", 100, 5, 1, 0, 0, 9],
    ], when=dt.datetime(2022, 3, 14, 20, 0))
    district_report_xlsx(inbox / "district_reports/vinh_yen.xlsx", "Thành phố Vĩnh Yên", "14/03/2022", REPORT)
    for day, people in (("07/03/2022", 3600), ("14/03/2022", 3400)):
        district_report_xlsx(inbox / f"district_reports/tam_dao_{day[:2]}.xlsx", "Huyện Tam Đảo", day, [
            ["Xã Đạo Trù", *report_figures(pop_start_18=3500, pop_current_18=3400, d18_1=people)]])
    connection = run_and_open(settings)
    yield connection
    connection.close()


def test_care_above_active_flags_more_given_medicine_or_monitored_than_active(con):
    # Đạo Trù gives medicine to and monitors exactly its 50 active F0: not flagged
    assert flagged(con, "care_above_active") == [
        (TICH_SON, LAST, "Đang điều trị 1.200; cấp thuốc 1.250; theo dõi 1.200"),
        (LIEN_BAO, LAST, "Đang điều trị 40; cấp thuốc 40; theo dõi 41"),
    ]


def test_cases_outlier_flags_more_than_3_sd_above_the_28_days_before(con):
    # mean 5, SD 2: 12 > 5 + 3 × 2 = 11 in Vĩnh Yên; Tam Đảo's 10 is not; communes are not looked at
    assert flagged(con, "cases_outlier") == [
        ("243", LAST, "F0 mới 12, trung bình 28 ngày trước 5,0, độ lệch chuẩn 2,0"),
    ]


def test_deaths_above_cases_flags_the_first_day_only(con):
    # 01/03: 2 deaths for 2 cases (not above); 06/03: 3 for 2, and every day after, flagged once
    assert flagged(con, "deaths_above_cases") == [(LIEN_BAO, D(2022, 3, 6), "Tử vong cộng dồn 3 > ca mắc cộng dồn 2")]


def test_dose_above_previous_on_the_latest_platform_date(con):
    # Liên Bảo's 12–17 dose 2 was above dose 1 on 01/03 only; on 02/03 they are equal
    assert flagged(con, "dose_above_previous") == [(TICH_SON, D(2022, 3, 2), "Nhóm 18+: mũi 2 = 1.200 > mũi 1 = 1.000")]


def test_population_cohorts_exceed_total_names_the_version_as_the_file_does(con):
    # currently present: 7.000 + 1.900 + 1.200 = 10.100, exactly the total: not flagged
    assert flagged(con, "population_cohorts_exceed_total") == [
        (TICH_SON, None, "Phiên bản đầu kỳ: 18+ 7.000 + 12–17 1.900 + 5–11 1.200 > tổng 10.000"),
    ]


def test_report_blank_cells_counts_empty_cells_not_zeros(con):
    assert flagged(con, "report_blank_cells") == [(TICH_SON, LAST, "Số ô trống: 2")]


def test_report_above_own_population_names_the_bases_exceeded(con):
    # Liên Bảo's 12–17 and 5–11 and every figure of Hội Hợp are exactly 100%: not flagged
    assert flagged(con, "report_above_own_population") == [
        (TICH_SON, LAST, "Nhóm 12-17, mũi 1: 1.000 người, vượt cả dân số đầu kỳ 900 và hiện có 950"),
        (TICH_SON, LAST, "Nhóm 18+, mũi 1: 7.200 người, vượt dân số đầu kỳ 7.000 (hiện có 7.300)"),
        (LIEN_BAO, LAST, "Nhóm 18+, mũi 1: 13.600 người, vượt dân số hiện có 13.500 (đầu kỳ 14.000)"),
    ]
    assert con.execute("SELECT DISTINCT severity, title, unit_level, district_code FROM checks.results "
                       "WHERE check_id = 'report_above_own_population'").fetchall() == [
        ("warning", "Biểu mẫu của huyện: số người đã tiêm của xã vượt dân số ghi trong chính biểu mẫu",
         "commune", "243")]


def test_facility_vs_case_reports_lists_each_units_latest_gap_of_2_and_10_percent(con):
    assert flagged(con, "facility_vs_case_reports") == [
        ("248", LAST, "Báo cáo ca bệnh: 0 F0 điều trị tại cơ sở; báo cáo cơ sở điều trị: 2 người đang điều trị (lệch 2)"),
    ]


def test_referrals_up_above_the_upper_level_admissions_are_flagged(con):
    assert flagged(con, "referrals_vs_upper_admissions") == [
        ("26", LAST, "Chuyển tuyến trên: 3 người; bệnh viện tuyến trên báo cáo nhận vào: 1"),
    ]


def test_reports_are_judged_on_the_last_day_of_data_as_the_pages_judge(con):
    """Weekly reports are due on Mondays: 07/03 and 14/03, the last day of data. Vĩnh Yên's and Tam Đảo's 14/03
    reports arrived on 15/03 (1 day late); Tam Đảo's 07/03 report too (8 days late); the seven other districts sent
    nothing: their 07/03 report is 7 days overdue, their 14/03 report is due on the last day and still in time."""
    weekly = [r for r in flagged(con, "report_late_or_missing") if r[2].startswith("Biểu mẫu báo cáo tiêm chủng")]
    on_14 = [r for r in weekly if r[1] == LAST]
    assert on_14 == [("243", LAST, "Biểu mẫu báo cáo tiêm chủng hằng tuần: nộp muộn 1 ngày"),
                     ("248", LAST, "Biểu mẫu báo cáo tiêm chủng hằng tuần: nộp muộn 1 ngày")]
    on_07 = {unit: detail for unit, day, detail in weekly if day == D(2022, 3, 7)}
    assert on_07.pop("248") == "Biểu mẫu báo cáo tiêm chủng hằng tuần: nộp muộn 8 ngày"
    assert len(on_07) == 8 and set(on_07.values()) == {"Biểu mẫu báo cáo tiêm chủng hằng tuần: chưa nộp, quá hạn 7 ngày"}
