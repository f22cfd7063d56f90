"""marts.cases_metrics, marts.care_gaps and marts.facility_outlook on a tiny inbox, every figure computed by hand.

Cases, 15/02 → 15/03/2022, the nine communes of Thành phố Vĩnh Yên (243); population (start of period): Tích Sơn
10,000, Liên Bảo 20,000, Hội Hợp 5,000, the others none, so the district counts 35,000.
- Tích Sơn: 10 new F0 and 1 death on 15/02, none until 28/02; 1, 2, …, 7 on 01–07/03 (28); 7 a day on 08–15/03
  (49 a week); a second death on 10/03. 3 of the new F0 a day were already F1 on 08–13/03, 5 on 14/03.
- Liên Bảo: 40 a day from 15/02 to 14/03 (280 a week, flat); it has not reported 15/03 yet.
- Hội Hợp: nothing until 07/03, then 3 a day (21 a week after a week with none).
- The six other communes report zeros every day, so the district is complete on every day but 15/03.
Care on 13/03 → 14/03 (→ 15/03, same as 14/03) as active F0 / given antiviral medicine / monitored:
Tích Sơn 50/40/50 → 50/35/48, Liên Bảo 100/100/90 → 100/105/95, Hội Hợp 20/20/20 → 20/12/20.

Facilities, 01/03 → 14/03/2022: CS01 (Vĩnh Yên, quota 100, 120 beds ready) holds 60 patients until 07/03, then takes
6 more a day (10 admitted, 3 discharged, 1 referred up) up to 102 on 14/03; CS02 (Vĩnh Yên, quota 50, 60 beds) loses
3 patients a day and closes on 08/03; CS03 (an upper-level hospital, quota 200, 400 beds) gains 1 a day; CS04 (Tam
Đảo, quota 20) reports 10 patients, then 15 on 02/03 after admitting 2: its figures do not add up.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from builders import LIEN_BAO, TICH_SON, cases_csv, headers, population_csv, write_csv
from etl import contracts as C
from etl import snapshots as S
from etl.pipeline import EXIT_OK, Progress, run
from etl.settings import load_settings

HOI_HOP = "08713"
OTHER_VINH_YEN = ["08716", "08719", "08722", "08725", "08728", "08731"]
FIRST, LAST = dt.date(2022, 2, 15), dt.date(2022, 3, 15)
D = dt.date


def _days(first: dt.date, last: dt.date):
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _dmy(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _tich_son_new(day: dt.date) -> int:
    if day == FIRST:
        return 10
    if day < D(2022, 3, 1):
        return 0
    return min(day.day, 7)


# (active home, active facility, with antiviral, monitored) on the days care is reported; 0 otherwise
CARE = {
    TICH_SON: {D(2022, 3, 13): (45, 5, 40, 50), D(2022, 3, 14): (45, 5, 35, 48), D(2022, 3, 15): (45, 5, 35, 48)},
    LIEN_BAO: {D(2022, 3, 13): (90, 10, 100, 90), D(2022, 3, 14): (90, 10, 105, 95)},
    HOI_HOP: {D(2022, 3, 13): (20, 0, 20, 20), D(2022, 3, 14): (20, 0, 12, 20), D(2022, 3, 15): (20, 0, 12, 20)},
}


def _case_rows():
    rows = []
    for day in _days(FIRST, LAST):
        for commune in [TICH_SON, LIEN_BAO, HOI_HOP, *OTHER_VINH_YEN]:
            if commune == LIEN_BAO and day == LAST:
                continue  # still filling: Liên Bảo has not sent 15/03
            new = {TICH_SON: _tich_son_new(day), LIEN_BAO: 40,
                   HOI_HOP: 3 if day >= D(2022, 3, 8) else 0}.get(commune, 0)
            from_f1 = (5 if day == D(2022, 3, 14) else 3 if D(2022, 3, 8) <= day <= D(2022, 3, 13) else 0) \
                if commune == TICH_SON else 0
            deaths = 1 if commune == TICH_SON and day in (FIRST, D(2022, 3, 10)) else 0
            home, facility, antiviral, monitored = CARE.get(commune, {}).get(day, (0, 0, 0, 0))
            rows.append([commune, _dmy(day), new, from_f1, home, facility, 0, 0, deaths, antiviral, monitored])
    return rows


def _facility_files(inbox) -> None:
    write_csv(inbox / "facilities/danh_sach.csv", headers(C.FACILITIES), [
        ["CS01", "Trung tâm Y tế thành phố Vĩnh Yên", "Thành phố Vĩnh Yên", "tuyến huyện", 100, "01/03/2022", ""],
        ["CS02", "Cơ sở thu dung, điều trị COVID-19 số 1", "Thành phố Vĩnh Yên", "tuyến huyện", 50, "01/03/2022",
         "08/03/2022"],
        ["CS03", "Bệnh viện Phổi Trung ương", "Tỉnh", "tuyến trên", 200, "01/03/2022", ""],
        ["CS04", "Trung tâm Y tế huyện Tam Đảo", "Huyện Tam Đảo", "tuyến huyện", 20, "01/03/2022", ""],
    ])
    rows = []
    for i, day in enumerate(_days(D(2022, 3, 1), D(2022, 3, 14)), start=1):
        # [facility, date, beds ready, occupied, admitted, discharged, referred up, staff]
        if i <= 7:
            rows.append(["CS01", _dmy(day), 120, 60, 2, 2, 0, 10])
            rows.append(["CS02", _dmy(day), 60, 33 - 3 * i, 0, 3, 0, 6])
        else:
            rows.append(["CS01", _dmy(day), 120, 60 + 6 * (i - 7), 10, 3, 1, 12])
        rows.append(["CS03", _dmy(day), 400, 100 + i, 5, 4, 0, 30])
    rows += [["CS04", "01/03/2022", 30, 10, 0, 0, 0, 5], ["CS04", "02/03/2022", 30, 15, 2, 0, 0, 5]]
    write_csv(inbox / "facility_status/hoat_dong.csv", headers(C.FACILITY_STATUS), rows)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    settings = load_settings(tmp_path_factory.mktemp("cases") / "data", province="26")
    population_csv(settings.inbox / "population/ds.csv", [
        [TICH_SON, "đầu kỳ", 10000, 7000, 900, 1100, "thử"],
        [LIEN_BAO, "đầu kỳ", 20000, 14000, 1800, 2200, "thử"],
        [HOI_HOP, "đầu kỳ", 5000, 3500, 450, 550, "thử"],
    ])
    cases_csv(settings.inbox / "cases/ca_benh.csv", _case_rows())
    _facility_files(settings.inbox)
    lines: list[str] = []
    assert run(settings, Progress(sink=lines.append)).exit_code == EXIT_OK, "\n".join(lines[-20:])
    connection = duckdb.connect(str(S.current_snapshot(settings)), read_only=True)
    yield connection
    connection.close()


def row(con, mart: str, day: str, unit: str, tier_group: str | None = None) -> dict:
    date_col = "status_date" if mart == "facility_outlook" else "report_date"
    sql = f"SELECT * FROM marts.{mart} WHERE {date_col} = ? AND unit_code = ?"
    params = [day, unit]
    if tier_group:
        sql += " AND tier_group = ?"
        params.append(tier_group)
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    found = cur.fetchall()
    assert len(found) == 1, (mart, day, unit)
    return dict(zip(names, found[0]))


def pick(r: dict, *names: str) -> tuple:
    return tuple(r[n] for n in names)


WEEK = ("new_f0_7d_sum", "new_f0_7d_avg_by_report_date", "new_f0_7d_per_100k_by_report_date", "new_f0_prev_7d",
        "wow_change", "new_f0_7d_change_pct_by_report_date", "direction")
TREND = ("trend_date", "trend_new_f0_7d_sum", "trend_new_f0_7d_avg_by_report_date",
         "trend_new_f0_7d_per_100k_by_report_date", "trend_new_f0_prev_7d", "trend_wow_change",
         "trend_new_f0_7d_change_pct_by_report_date", "trend_direction")


def test_seven_day_average_and_rate_per_100000(con):
    # Tích Sơn 08–14/03: 49 cases, 7 a day; 49 ÷ 10,000 × 100,000 = 490; the week before 01–07/03: 28
    assert pick(row(con, "cases_metrics", "2022-03-14", TICH_SON), *WEEK) == (49, 7.0, 490.0, 28, 21, 75.0, "up")
    # the district: 49 + 280 + 21 = 350 over 35,000 people; the week before 28 + 280 + 0 = 308 (+42 = +13,6%: to 1
    # decimal, as every page shows it)
    assert pick(row(con, "cases_metrics", "2022-03-14", "243"), *WEEK) == (350, 50.0, 1000.0, 308, 42, 13.6, "up")


def test_seven_day_figures_wait_for_a_whole_window(con):
    # the series starts 15/02: on 20/02 only six days exist; on 21/02 the mean is 10 ÷ 7 with no week before yet
    assert pick(row(con, "cases_metrics", "2022-02-20", TICH_SON), "new_f0_7d_sum",
                "new_f0_7d_avg_by_report_date") == (None, None)
    # 10 ÷ 7 = 1,43, to 1 decimal as shown: 1,4
    assert pick(row(con, "cases_metrics", "2022-02-21", TICH_SON), *WEEK) == (10, 1.4, 100.0, None, None, None, None)
    # 28/02: a week with none after the week of the 10 → −10, −100%
    assert pick(row(con, "cases_metrics", "2022-02-28", TICH_SON), *WEEK) == (0, 0.0, 0.0, 10, -10, -100.0, "down")


def test_week_on_week_with_no_case_the_week_before_and_a_flat_week(con):
    # Hội Hợp: 21 after 0 → no percentage; 21 ÷ 5,000 × 100,000 = 420
    assert pick(row(con, "cases_metrics", "2022-03-14", HOI_HOP), *WEEK) == (21, 3.0, 420.0, 0, 21, None, "up")
    # Liên Bảo: 280 and 280
    assert pick(row(con, "cases_metrics", "2022-03-14", LIEN_BAO), *WEEK) == (280, 40.0, 1400.0, 280, 0, 0.0, "flat")


def test_an_incomplete_last_day_is_kept_out_of_the_trend(con):
    r = row(con, "cases_metrics", "2022-03-15", "243")
    # 15/03 is still filling (Liên Bảo missing): read as it stands, the week 09–15/03 falls to 49 + 240 + 21 = 310
    # against 34 + 280 + 3 = 317 the week before
    assert pick(r, "new_f0", "communes_reporting", "communes_expected", "is_complete") == (10, 8, 9, False)
    assert pick(r, "new_f0_7d_sum", "new_f0_prev_7d", "wow_change", "direction") == (310, 317, -7, "down")
    # the trend stays on 14/03, the latest complete day: still up
    assert pick(r, *TREND) == (D(2022, 3, 14), 350, 50.0, 1000.0, 308, 42, 13.6, "up")
    missing = row(con, "cases_metrics", "2022-03-15", LIEN_BAO)
    assert pick(missing, "is_complete", "new_f0_7d_sum", "direction") == (False, 240, "down")
    assert pick(missing, "trend_date", "trend_new_f0_7d_sum", "trend_direction") == (D(2022, 3, 14), 280, "flat")
    # a complete day is its own trend date
    complete = row(con, "cases_metrics", "2022-03-15", TICH_SON)
    assert pick(complete, "is_complete", "trend_date", "trend_new_f0_7d_sum") == (True, D(2022, 3, 15), 49)
    # the province has never had every commune report: no trend at all rather than a wrong one
    province = row(con, "cases_metrics", "2022-03-14", "26")
    assert pick(province, "is_complete", "trend_date", "trend_direction") == (False, None, None)


def test_care_mix_contacts_and_case_fatality(con):
    r = row(con, "cases_metrics", "2022-03-14", TICH_SON)
    assert pick(r, "active_total", "home_share_pct") == (50, 90.0)
    # 5 of 7 today; 3 × 6 + 5 = 23 of 49 in the week
    assert pick(r, "new_f0_from_f1", "new_f0_from_f1_pct", "new_f0_from_f1_7d_pct") == (5, 71.43, 46.94)
    # 15/02 → 14/03 is exactly 28 days: 87 cases, 2 deaths both ways
    assert pick(r, "cumulative_f0", "cumulative_deaths", "cfr_cumulative_pct") == (87, 2, 2.299)
    assert pick(r, "new_f0_28d", "deaths_28d", "cfr_28d_pct") == (87, 2, 2.299)
    # 15/03: 94 cases and 2 deaths since the start; the 28 days 16/02–15/03 hold 84 cases and 1 death
    later = row(con, "cases_metrics", "2022-03-15", TICH_SON)
    assert pick(later, "cfr_cumulative_pct", "new_f0_28d", "deaths_28d", "cfr_28d_pct") == (2.128, 84, 1, 1.19)
    assert row(con, "cases_metrics", "2022-03-13", TICH_SON)["cfr_28d_pct"] is None  # 27 days only


GAPS = ("active_total", "without_antiviral", "without_antiviral_pct", "not_monitored", "not_monitored_pct",
        "without_antiviral_change", "not_monitored_change", "gap_growing")


def test_care_gap_counts_shares_and_a_growing_gap(con):
    # Tích Sơn: 50 − 35 = 15 without medicine (30%), 50 − 48 = 2 not monitored (4%); both up on the day
    ts = row(con, "care_gaps", "2022-03-14", TICH_SON)
    assert pick(ts, *GAPS) == (50, 15, 30.0, 2, 4.0, 5, 2, True)
    assert pick(ts, "without_antiviral_growing", "not_monitored_growing") == (True, True)
    # Liên Bảo reports 105 given medicine for 100 active: the gap is 0, never −5; monitoring improved 10 → 5
    lb = row(con, "care_gaps", "2022-03-14", LIEN_BAO)
    assert pick(lb, *GAPS) == (100, 0, 0.0, 5, 5.0, 0, -5, False)
    # the district sums the communes' gaps (15 + 0 + 8), so Liên Bảo's surplus does not hide them (170 − 152 = 18)
    district = row(con, "care_gaps", "2022-03-14", "243")
    assert pick(district, *GAPS) == (170, 23, 13.53, 7, 4.12, 13, -3, True)


def test_communes_ranked_by_the_gap_within_their_district(con):
    ranks = dict(con.execute("SELECT unit_code, without_antiviral_rank FROM marts.care_gaps "
                             "WHERE report_date = '2022-03-14' AND district_code = '243' AND unit_level = 'commune'")
                 .fetchall())
    assert (ranks[TICH_SON], ranks[HOI_HOP]) == (1, 2)  # 15, then 8
    assert set(ranks.values()) == {1, 2, 3}  # the seven communes with no gap share rank 3
    # a commune that has not reported is not ranked, and its missing day is not read as a closed gap
    missing = row(con, "care_gaps", "2022-03-15", LIEN_BAO)
    assert pick(missing, "is_complete", "without_antiviral_rank", "not_monitored_change", "gap_growing") == (
        False, None, None, False)
    district = row(con, "care_gaps", "2022-03-15", "243")
    assert pick(district, "not_monitored", "not_monitored_change", "is_complete") == (2, 0, False)  # not 7 → 2


OUTLOOK = ("facilities_open", "bed_quota", "quota_x2", "beds_ready", "occupied", "net_admissions",
           "net_admissions_7d_avg", "free_beds", "days_until_full")


def test_days_until_full_and_not_filling(con):
    # 14/03: the week 08–14/03 took 10 − 3 − 1 = 6 patients a day; 120 − 102 = 18 beds left → 3 days
    r = row(con, "facility_outlook", "2022-03-14", "243", "local")
    assert pick(r, *OUTLOOK) == (1, 100, 200, 120, 102, 6, 6.0, 18, 3.0)
    assert pick(r, "occupancy_pct", "load_vs_quota_pct", "escalation") == (85.0, 102.0, "over_quota")
    assert pick(r, "beds_ready_pct_of_2x_quota", "beds_ready_below_2x_quota") == (60.0, True)
    # 10/03: the week 04–10/03 is 4 days of −3 (CS02 emptying) and 3 days of +6: 6 ÷ 7 a day, 42 beds left → 49 days
    assert row(con, "facility_outlook", "2022-03-10", "243", "local")["days_until_full"] == 49.0
    # 07/03: emptying (−3 a day): not filling, no date
    emptying = row(con, "facility_outlook", "2022-03-07", "243", "local")
    assert pick(emptying, "net_admissions_7d_avg", "free_beds", "days_until_full") == (-3.0, 108, None)
    # the upper-level hospital is kept apart at the province: 1 a day into 300 free beds; beds ready at twice its quota
    upper = row(con, "facility_outlook", "2022-03-14", "26", "upper")
    assert pick(upper, "net_admissions_7d_avg", "free_beds", "days_until_full") == (1.0, 286, 286.0)
    assert pick(upper, "beds_ready_pct_of_2x_quota", "beds_ready_below_2x_quota") == (100.0, False)


def test_a_closed_facility_leaves_the_quota_from_its_closing_date(con):
    by_day = con.execute("""
        SELECT status_date, facilities_open, bed_quota, quota_x2 FROM marts.facility_outlook
        WHERE unit_code = '243' AND tier_group = 'local' AND status_date BETWEEN '2022-03-06' AND '2022-03-09'
        ORDER BY status_date""").fetchall()
    assert by_day == [(D(2022, 3, 6), 2, 150, 300), (D(2022, 3, 7), 2, 150, 300),
                      (D(2022, 3, 8), 1, 100, 200), (D(2022, 3, 9), 1, 100, 200)]
    # the province's local row too (with Tam Đảo's 20), on every date after the closing
    quotas = {q for (q,) in con.execute("SELECT DISTINCT bed_quota FROM marts.facility_outlook WHERE unit_code = '26' "
                                        "AND tier_group = 'local' AND status_date >= '2022-03-08'").fetchall()}
    assert quotas == {120}


def test_facility_figures_that_do_not_add_up_are_flagged(con):
    flagged = con.execute("SELECT unit_code, ref_date, detail FROM checks.results "
                          "WHERE check_id = 'facility_flow_mismatch'").fetchall()
    detail = "Trung tâm Y tế huyện Tam Đảo: hôm trước 10 + nhập 2 − ra 0 − chuyển tuyến 0 = 12, báo cáo đang điều trị 15"
    assert flagged == [("248", D(2022, 3, 2), detail)]
