"""marts.deadline_status on a one-commune province slice where every figure is computed by hand.

Phường Tích Sơn (08707, Thành phố Vĩnh Yên 243) has 100 people in each cohort (start of period). Doses:
18+ and 12–17 alike: dose 1 — 50 on 01/03/2022 and 45 on 05/03 (95 people); dose 2 — 10 on 12/03.
Platform data therefore runs 01/03 → 12/03/2022 (18+ dose 1: 50 people on 01/03–04/03, 95 from 05/03). Vĩnh Yên has no other commune with people, so its district rows
equal the commune's.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from builders import TICH_SON, platform_csv, population_csv
from etl import snapshots as S
from etl.pipeline import EXIT_OK, Progress, run
from etl.settings import load_settings

TARGETS = """
[report_schedule]
district_report_weekday = 0
grace_days = 0

[[target]]
id = "dat_dung_nguong"
kind = "coverage"
title = "Đạt đúng ngưỡng"
source_document = "thử"
cohort = "18+"
dose = 1
threshold_pct = 95.0
population_version = "start"
deadline = "10/03/2022"

[[target]]
id = "thieu_mot_nguoi"
kind = "coverage"
title = "Thiếu một người, hạn đã điều chỉnh"
source_document = "thử"
cohort = "18+"
dose = 1
threshold_pct = 96.0
population_version = "start"
deadline = "2022-03-08"
revisions = [{ deadline = "2022-03-11", source_document = "văn bản điều chỉnh" }]

[[target]]
id = "toc_do_bang_khong"
kind = "coverage"
title = "Tốc độ bằng không"
source_document = "thử"
cohort = "18+"
dose = 1
threshold_pct = 99.0
population_version = "start"
deadline = "2022-03-20"

[[target]]
id = "mui2_khoang_cach_doi"
kind = "coverage"
title = "Mũi 2, khoảng cách rút ngắn trước hạn"
source_document = "thử"
cohort = "18+"
dose = 2
threshold_pct = 50.0
population_version = "start"
deadline = "2022-03-20"

[[target]]
id = "mui2_khoang_cach_co_dinh"
kind = "coverage"
title = "Mũi 2, khoảng cách không đổi"
source_document = "thử"
cohort = "12-17"
dose = 2
threshold_pct = 50.0
population_version = "start"
deadline = "2022-03-20"

[[target]]
id = "tre_roi_dat"
kind = "coverage"
title = "Trễ hạn rồi đạt"
source_document = "thử"
cohort = "18+"
dose = 1
threshold_pct = 90.0
population_version = "start"
deadline = "2022-03-03"

[[target]]
id = "vuot_kha_nang_du_kien_kip"
kind = "coverage"
title = "Dự kiến kịp hạn nhưng khoảng cách không cho phép"
source_document = "thử"
cohort = "12-17"
dose = 2
threshold_pct = 11.0
population_version = "start"
deadline = "2022-03-20"

[[min_interval]]
cohort = "18+"
from_dose = 1
to_dose = 2
days = 21
effective_from = "2022-01-01"

[[min_interval]]
cohort = "18+"
from_dose = 1
to_dose = 2
days = 10
effective_from = "2022-03-15"

[[min_interval]]
cohort = "12-17"
from_dose = 1
to_dose = 2
days = 21
effective_from = "2022-01-01"
"""

# Targets of one province's own directive (provinces) beside national ones; kept apart from TARGETS, which the
# deadline page tests reuse.
PROVINCIAL = """
[[target]]
id = "chi_thi_tinh_khac"
provinces = ["22"]
kind = "coverage"
title = "Chỉ tiêu do tỉnh khác đặt ra"
source_document = "Chỉ thị của Tỉnh ủy Quảng Ninh (thử)"
cohort = "18+"
dose = 1
threshold_pct = 90.0
deadline = "2022-03-20"

[[target]]
id = "chi_thi_tinh_nay"
provinces = ["26", "22"]
kind = "coverage"
title = "Chỉ tiêu do tỉnh này (và một tỉnh khác) đặt ra"
source_document = "Chỉ thị của Tỉnh ủy (thử)"
cohort = "18+"
dose = 1
threshold_pct = 90.0
deadline = "2022-03-20"

[[target]]
id = "bao_cao_tinh_khac"
provinces = ["22"]
kind = "report_deadline"
title = "Báo cáo do tỉnh khác yêu cầu"
source_document = "Công văn của UBND tỉnh Quảng Ninh (thử)"
responsible = "district"
deadline = "2022-03-10"

[[target]]
id = "bao_cao_toan_quoc"
kind = "report_deadline"
title = "Báo cáo theo văn bản trung ương"
source_document = "Bộ Y tế (thử)"
responsible = "district"
deadline = "2022-03-10"

"""


@pytest.fixture(scope="module")
def mart(tmp_path_factory):
    settings = load_settings(tmp_path_factory.mktemp("deadlines") / "data", province="26")
    population_csv(settings.inbox / "population/ds.csv", [[TICH_SON, "đầu kỳ", 400, 100, 100, 100, "thử"]])
    rows = []
    for cohort in ("18+", "12-17"):
        rows += [[TICH_SON, "01/03/2022", cohort, 1, "Pfizer", 50], [TICH_SON, "05/03/2022", cohort, 1, "Pfizer", 45],
                 [TICH_SON, "12/03/2022", cohort, 2, "Pfizer", 10]]
    platform_csv(settings.inbox / "platform/p.csv", rows)
    targets = settings.inbox / "targets/chi_tieu.toml"
    targets.parent.mkdir(parents=True)
    targets.write_text(TARGETS + PROVINCIAL, encoding="utf-8")
    assert run(settings, Progress(sink=lambda line: None)).exit_code == EXIT_OK
    con = duckdb.connect(str(S.current_snapshot(settings)), read_only=True)
    yield con
    con.close()


def row(con, target: str, as_of: str, unit: str = "243") -> dict:
    cur = con.execute("SELECT * FROM marts.deadline_status WHERE target_id = ? AND as_of_date = ? AND unit_code = ?",
                      [target, as_of, unit])
    names = [d[0] for d in cur.description]
    found = cur.fetchall()
    assert len(found) == 1
    return dict(zip(names, found[0]))


def test_met_exactly_at_the_threshold(mart):
    r = row(mart, "dat_dung_nguong", "2022-03-12")  # after the deadline: judged on the deadline
    assert (r["status"], r["achieved_pct"], r["people_needed"], r["met_on"]) == ("met", 95.0, 0, dt.date(2022, 3, 5))
    # 04/03: 50 of 100, 45 still needed in 6 days (7,5 a day) against 50 in the last 7 days (7,1 a day)
    before = row(mart, "dat_dung_nguong", "2022-03-04")
    assert (before["status"], before["people_needed"], before["required_daily_pace"]) == ("at_risk", 45, 7.5)
    assert before["trailing_7d_pace"] == round(50 / 7, 1) and before["met_on"] is None


def test_missed_by_one_person_on_the_revised_deadline(mart):
    target = mart.execute("SELECT deadline, original_deadline, revised FROM marts.targets "
                          "WHERE target_id = 'thieu_mot_nguoi'").fetchone()
    assert target == (dt.date(2022, 3, 11), dt.date(2022, 3, 8), True)
    r = row(mart, "thieu_mot_nguoi", "2022-03-12")
    assert (r["status"], r["people_needed"], r["achieved_pct"], r["eval_date"]) == ("missed", 1, 95.0, dt.date(2022, 3, 11))
    # judged against the revised deadline, not the original one: on 09/03 it is still open, and 1 person in 2 days
    # at 45 in the last 7 days looks easy
    assert row(mart, "thieu_mot_nguoi", "2022-03-09")["status"] == "on_track"


def test_zero_pace_gives_no_projection(mart):
    r = row(mart, "toc_do_bang_khong", "2022-03-12")  # nothing given 06/03–12/03
    assert (r["status"], r["trailing_7d_pace"], r["projected_date"]) == ("at_risk", 0.0, None)
    assert (r["people_needed"], r["days_left"], r["required_daily_pace"]) == (4, 8, 0.5)


def test_projection_and_its_range(mart):
    # 08/03: last 7 days 02/03–08/03 gave 45 (pace 45/7); the four weeks: 45, 50, 0, 0
    r = row(mart, "toc_do_bang_khong", "2022-03-08")
    assert r["people_needed"] == 4 and r["trailing_7d_pace"] == round(45 / 7, 1)
    assert r["projected_date"] == dt.date(2022, 3, 9)       # ceil(4 ÷ 6,43) = 1 day
    assert r["projected_date_low"] == dt.date(2022, 3, 9)   # fastest week 50/7: ceil(0,56) = 1 day
    assert r["projected_date_high"] is None                 # a week with no doses: no pessimistic date


def test_people_blocked_by_the_interval_with_a_fixed_interval(mart):
    # 12–17, 21 days from dose 1 to dose 2: for dose 2 by 20/03, dose 1 had to be by 27/02 — nobody had it
    r = row(mart, "mui2_khoang_cach_co_dinh", "2022-03-12")
    assert r["last_eligible_prev_date"] == dt.date(2022, 2, 27)
    assert r["people_blocked_by_interval"] == 90  # 100 people − the 10 who already have dose 2
    assert (r["max_achievable_pct"], r["status"]) == (10.0, "at_risk")  # 50% is arithmetically out of reach


def test_an_interval_shortened_before_the_deadline_unblocks_people(mart):
    # 18+: 21 days until 14/03, 10 days from 15/03: dose 2 on 20/03 needs dose 1 by 10/03 → the 95 can make it
    r = row(mart, "mui2_khoang_cach_doi", "2022-03-12")
    assert r["last_eligible_prev_date"] == dt.date(2022, 3, 10)
    assert r["people_blocked_by_interval"] == 5  # only those with no dose 1 at all
    assert r["max_achievable_pct"] == 95.0 and r["people_needed"] == 40
    assert r["status"] == "at_risk"  # 10 a week against 40 needed in 8 days


def test_a_provinces_own_directive_binds_its_units_only(mart):
    """A target set by another province's directive (provinces = ["22"]) is not this province's: no status for any
    of its units, no report expected; a national one (no provinces) and one naming this province (26) are."""
    def units(target):
        return mart.execute("SELECT count(DISTINCT unit_code) FROM marts.deadline_status WHERE target_id = ?",
                            [target]).fetchone()[0]

    assert units("chi_thi_tinh_khac") == 0
    # the province and its 9 districts
    assert units("chi_thi_tinh_nay") == units("dat_dung_nguong") == 10
    assert mart.execute("SELECT provinces FROM marts.targets WHERE target_id = 'chi_thi_tinh_nay'").fetchone() == \
        (["26", "22"],)
    expected = dict(mart.execute("SELECT report_kind, count(*) FROM marts.report_submissions "
                                 "WHERE report_kind LIKE 'bao_cao_%' GROUP BY ALL").fetchall())
    assert expected == {"bao_cao_toan_quoc": 9}  # one per district of Vĩnh Phúc, none for the other province's


def test_a_malformed_provinces_list_is_refused_with_its_place():
    from etl.readers import FileError
    from etl.targets import parse_targets

    bad = """[[target]]
id = "x"
provinces = "26"
kind = "report_deadline"
title = "x"
source_document = "x"
deadline = "2022-03-10"
"""
    with pytest.raises(FileError) as error:
        parse_targets(bad)
    assert "provinces" in str(error.value) and error.value.column == "[[target]] thứ 1"


def test_a_missed_deadline_reached_later_says_when_and_how_late(mart):
    """Trễ hạn rồi đạt: 90% of 100 = 90 people by 03/03; 50 by then (40 short), 95 from 05/03. The deadline stays
    missed; from 05/03 nothing is short any more and nothing is projected."""
    on_deadline = row(mart, "tre_roi_dat", "2022-03-03")
    assert (on_deadline["status"], on_deadline["status_reason"]) == ("missed", "still_short")
    assert (on_deadline["people_short_at_deadline"], on_deadline["people_needed"]) == (40, 40)
    assert (on_deadline["reached_date"], on_deadline["days_late"]) == (None, 0)
    # the day after: still 40 short, 1 day late; projected from that day: 50 in the last 7 days (7,14 a day),
    # ceil(40 ÷ 7,14) = 6 days → 10/03; no week before 01/03, so the slowest week is 0 and has no date
    after = row(mart, "tre_roi_dat", "2022-03-04")
    assert (after["reached_date"], after["days_late"], after["people_needed"]) == (None, 1, 40)
    assert (after["projected_date"], after["projected_date_low"], after["projected_date_high"]) == \
        (dt.date(2022, 3, 10), dt.date(2022, 3, 10), None)
    # 05/03: 95 ≥ 90, reached 2 days late; the figures at the deadline stay as they were
    for as_of in ("2022-03-05", "2022-03-12"):
        r = row(mart, "tre_roi_dat", as_of)
        assert (r["status"], r["status_reason"], r["reached_date"], r["days_late"]) == \
            ("missed", "reached_after_deadline", dt.date(2022, 3, 5), 2)
        assert (r["people_needed"], r["people_short_at_deadline"], r["achieved_pct"], r["eval_date"]) == \
            (0, 40, 50.0, dt.date(2022, 3, 3))
        assert (r["projected_date"], r["projected_date_low"], r["projected_date_high"]) == (None, None, None)
        assert r["met_on"] is None and r["required_daily_pace"] is None


def test_still_short_after_the_deadline_counts_now_and_projects_from_now(mart):
    # Thiếu một người: 96 by 11/03, 95 on 11/03 and on 12/03: 1 short at the deadline and still 1 short, 1 day late;
    # nobody vaccinated 06/03–12/03, so no projection
    r = row(mart, "thieu_mot_nguoi", "2022-03-12")
    assert (r["status_reason"], r["people_needed"], r["people_short_at_deadline"], r["days_late"]) == \
        ("still_short", 1, 1, 1)
    assert r["reached_date"] is None and r["projected_date"] is None
    # before the deadline there is no shortfall "at the deadline" yet, nor any lateness
    before = row(mart, "thieu_mot_nguoi", "2022-03-09")
    assert (before["people_short_at_deadline"], before["days_late"], before["reached_date"]) == (None, None, None)


def test_the_rule_behind_each_status_is_named(mart):
    # 12–17 dose 2, 11% of 100 = 11 people by 20/03; 10 have it on 12/03 (1 short). At 10 in the last 7 days the
    # projection is 12/03 + ceil(1 ÷ 1,43) = 13/03, before the deadline, yet 90 people cannot have dose 2 in time
    # (21 days from dose 1, which had to be by 27/02): at most 10% < 11%, so at risk whatever the pace
    r = row(mart, "vuot_kha_nang_du_kien_kip", "2022-03-12")
    assert r["projected_date"] == dt.date(2022, 3, 13) and r["projected_date"] < r["deadline"]
    assert (r["status"], r["status_reason"], r["max_achievable_pct"]) == ("at_risk", "beyond_reach", 10.0)
    assert row(mart, "toc_do_bang_khong", "2022-03-12")["status_reason"] == "no_recent_doses"  # 0 in 7 days
    assert row(mart, "mui2_khoang_cach_doi", "2022-03-12")["status_reason"] == "pace_too_slow"  # 10 a week, 40 due
    assert row(mart, "thieu_mot_nguoi", "2022-03-09")["status_reason"] == "pace_enough"
    assert row(mart, "dat_dung_nguong", "2022-03-12")["status_reason"] == "reached_by_deadline"


def test_a_targets_file_without_minimum_intervals_builds_and_blocks_nobody(tmp_path):
    """Regression: with no [[min_interval]] the raw table had no row to type its columns by, and the deadline mart
    failed ("Cannot mix values of type INTEGER and DATE in COALESCE"), jamming the whole run. Now nobody is blocked by
    an interval: 18+ dose 2 by 20/03, 10 of 400 have it on 12/03 (2,50%)."""
    import re

    settings = load_settings(tmp_path / "data", province="26")
    population_csv(settings.inbox / "population/ds.csv", [[TICH_SON, "đầu kỳ", 400, 100, 100, 100, "thử"]])
    platform_csv(settings.inbox / "platform/p.csv", [[TICH_SON, "01/03/2022", "18+", 1, "Pfizer", 50],
                                                     [TICH_SON, "12/03/2022", "18+", 2, "Pfizer", 10]])
    targets = settings.inbox / "targets/chi_tieu.toml"
    targets.parent.mkdir(parents=True)
    targets.write_text(re.sub(r"\[\[min_interval\]\][^\[]*", "", TARGETS), encoding="utf-8")
    assert "[[min_interval]]" not in targets.read_text(encoding="utf-8")
    assert run(settings, Progress(sink=lambda line: None)).exit_code == EXIT_OK
    with duckdb.connect(str(S.current_snapshot(settings)), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.min_intervals").fetchone() == (0,)
        blocked = con.execute("SELECT DISTINCT people_blocked_by_interval FROM marts.deadline_status").fetchall()
    assert blocked == [(0,)]
