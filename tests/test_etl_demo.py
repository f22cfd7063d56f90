"""The bundled demo, built by the real ETL: its marts agree with the real figures it was calibrated on."""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from etl import snapshots as S
from etl.demo import write_demo_inbox
from etl.pipeline import EXIT_OK, Progress, run
from etl.settings import load_settings

REFERENCE = Path(__file__).resolve().parent.parent / "data/reference"


@pytest.fixture(scope="module")
def demo(demo_build):
    settings = load_settings(demo_build[1], province="26")
    con = duckdb.connect(str(S.current_snapshot(settings)), read_only=True)
    yield con
    con.close()


def test_province_cases_equal_the_real_daily_series_up_to_21_01_2022(demo):
    with open(REFERENCE / "cases_daily_vinh_phuc_2020-03-18_2022-01-21.csv", encoding="utf-8") as fh:
        real = {dt.date.fromisoformat(r["date"]): (int(r["new_cases"]), int(r["new_deaths"])) for r in csv.DictReader(fh)}
    built = dict(((d, (f0, deaths)) for d, f0, deaths in demo.execute(
        "SELECT report_date, new_f0, deaths FROM marts.cases_daily WHERE unit_level = 'province' "
        "AND report_date <= '2022-01-21'").fetchall()))
    for day, expected in real.items():
        assert built[day] == expected, day
    assert sum(v[0] for v in built.values()) == 7349 and sum(v[1] for v in built.values()) == 8
    cumulative = demo.execute("SELECT cumulative_f0 FROM marts.cases_daily WHERE unit_level = 'province' "
                              "AND report_date = '2022-02-20'").fetchone()[0]
    assert abs(cumulative - 69387) <= 0.01 * 69387  # national CDC portal, around 20/02/2022


def test_population_equals_the_census_total_and_each_district(demo):
    total = demo.execute("SELECT DISTINCT total_start FROM marts.population WHERE unit_level = 'province'").fetchone()[0]
    assert total == 1151154
    districts = dict(demo.execute(
        "SELECT DISTINCT unit_code, total_start FROM marts.population WHERE unit_level = 'district'").fetchall())
    assert districts == {"243": 119128, "244": 106002, "246": 136150, "247": 114391, "248": 83931,
                         "249": 131013, "251": 156456, "252": 205345, "253": 98738}


def test_coverage_on_15_03_2022_is_the_seed_001_headline(demo):
    rows = demo.execute("""
        SELECT cohort, dose, round(100.0 * people_vaccinated / population_start, 2)
        FROM marts.coverage WHERE unit_level = 'province' AND as_of_date = '2022-03-15'
          AND ((cohort = '18+' AND dose <= 3) OR (cohort = '12-17' AND dose <= 2))
        ORDER BY cohort DESC, dose""").fetchall()
    assert rows == [("18+", 1, 99.82), ("18+", 2, 98.09), ("18+", 3, 83.15), ("12-17", 1, 98.55), ("12-17", 2, 94.79)]


@pytest.mark.parametrize("mart,date_col,measures", [
    ("coverage", "as_of_date", "people_vaccinated, doses_given, population_start, population_current"),
    ("cases_daily", "report_date", "new_f0, deaths, active_home, active_facility, communes_reporting"),
    ("unvaccinated", "report_date", "refused, deferred, contraindicated, over50, pregnant"),
    ("reconciliation", "report_date", "reported, platform"),
])
def test_every_level_sums_exactly_from_the_level_below(demo, mart, date_col, measures):
    keys = {"coverage": ", cohort, dose", "reconciliation": ", cohort, dose"}.get(mart, "")
    sums = ", ".join(f"sum({m})" for m in measures.split(", "))
    cols = ", ".join(measures.split(", "))
    for upper, lower, parent in (("district", "commune", "district_code"), ("province", "district", "province_code")):
        mismatches = demo.execute(f"""
            WITH below AS (SELECT {date_col}, {parent} AS unit_code{keys}, {sums} FROM marts.{mart}
                           WHERE unit_level = '{lower}' GROUP BY ALL),
                 above AS (SELECT {date_col}, unit_code{keys}, {cols} FROM marts.{mart} WHERE unit_level = '{upper}')
            SELECT count(*) FROM (SELECT * FROM below EXCEPT SELECT * FROM above)""").fetchone()[0]
        assert mismatches == 0, (mart, upper)


def test_the_mess_of_real_files_is_loaded_and_flagged_not_dropped(demo):
    log = "\n".join(r[0] for r in demo.execute("SELECT line FROM meta.run_log ORDER BY line_no").fetchall())
    assert "TỪ CHỐI" not in log  # the demo's messy files are all readable
    assert "ô chuyển từ mã TCVN3/VNI" in log
    flagged = dict(demo.execute("SELECT check_id, rows_flagged FROM checks.summary").fetchall())
    assert flagged["coverage_over_100"] > 0 and flagged["report_vs_platform"] > 0
    assert flagged["negative_stock"] >= 1 and flagged["report_late_or_missing"] > 0
    statuses = {s for (s,) in demo.execute(
        "SELECT DISTINCT status FROM marts.report_submissions WHERE report_kind = 'district_report'").fetchall()}
    assert statuses == {"on_time", "late", "missing"}
    resent = demo.execute("SELECT count(*) FROM marts.report_submissions "
                          "WHERE report_kind = 'district_report' AND files_received > 1").fetchone()[0]
    assert resent == 3


def test_the_demo_ships_illustrative_commune_boundaries_read_as_a_province_sends_them(demo):
    """A zipped VN-2000 shapefile on Vĩnh Phúc's meridian (105°00'), read back through the Ministry's datum shift:
    every commune of the province, marked illustrative, each district covered by its communes."""
    assert demo.execute("SELECT count(*) FROM ref.commune_shapes").fetchone()[0] == \
        demo.execute("SELECT count(*) FROM marts.units WHERE unit_level = 'commune'").fetchone()[0]
    file_name, illustrative, crs, transformation, missing = demo.execute(
        "SELECT file_name, illustrative, crs, transformation, len(missing) FROM ref.commune_geo_source").fetchone()
    assert (file_name, illustrative, crs, missing) == ("ranh_gioi_xa_minh_hoa.zip", True, "VN-2000 / TM-3 zone 482", 0)
    assert "VN-2000 to WGS 84 (2)" in transformation
    covered = demo.execute("SELECT min(covered_pct), max(outside_pct) FROM ref.commune_district_check").fetchone()
    assert covered[0] > 99.9 and covered[1] < 0.1


def test_another_province_builds_from_its_census_with_no_code_change(tmp_path):
    """Đắk Nông (67), uncalibrated: every source written, the start-of-period population is its census, it builds, and
    its dashboard quotes its own directive (its Văn bản 7431/UBND-KGVX), not Vĩnh Phúc's."""
    import pandas as pd
    from test_demo import REF, num, population

    from etl import contracts as C

    settings = load_settings(tmp_path / "data", province="67")
    summary = write_demo_inbox(settings.inbox, "67")
    for source in C.SOURCE_NAMES:
        assert any((settings.inbox / source).iterdir()), source
    assert not summary["calibrated"]
    pop = population(settings.inbox)
    census = pd.read_csv(REF / "census2019_district.csv", dtype=str)
    total = census.loc[census["province_code"] == "67", "population_2019"].astype(int).sum()
    assert pop.loc[pop["Phiên bản"] == "đầu kỳ", "Tổng dân số"].map(num).sum() == total
    assert run(settings, Progress(sink=lambda line: None)).exit_code == EXIT_OK
    with duckdb.connect(str(S.current_snapshot(settings)), read_only=True) as con:
        name, communes = con.execute("SELECT any_value(unit_name) FILTER (WHERE unit_level = 'province'), "
                                     "count(*) FILTER (WHERE unit_level = 'commune') FROM marts.units").fetchone()
        assert name == "Tỉnh Đắk Nông" and communes == 71
        reason, shapes = con.execute("SELECT missing_reason, districts_with_shape FROM ref.geo_source").fetchone()
        assert (shapes, reason) == (8, None)  # its 8 districts, cut from the national boundary file
        # its 71 communes on illustrative boundaries (WGS84: no VN-2000 meridian is set for it in the demo)
        assert con.execute("SELECT count(*) FROM ref.commune_shapes").fetchone()[0] == 71
        assert con.execute("SELECT illustrative, crs FROM ref.commune_geo_source").fetchone() == (True, "WGS 84")
        assert con.execute("SELECT count(*) FROM marts.coverage WHERE unit_level = 'province'").fetchone()[0] > 0
        quotes = con.execute("SELECT source_document FROM marts.directive_quotes WHERE list_contains(provinces, '67')"
                             ).fetchall()
        assert quotes == [("Văn bản số 7431/UBND-KGVX ngày 20/12/2021 của UBND tỉnh Đắk Nông, mục 3",)]
