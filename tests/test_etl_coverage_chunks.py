"""marts.coverage_commune (a view over marts.coverage_commune_days, built a month at a time by etl.build's `-- chunks:`)
holds exactly the rows of its former single-statement definition (kept below as the reference): on sparse doses with
gaps across month ends, negative and zero counts, a first day with doses, a date re-sent in a later file, a commune with
no dose at all; the stored rows are by date."""
from __future__ import annotations

import datetime as dt
import random

import duckdb
import pytest

from etl import build

REFERENCE = """
WITH bounds AS (
    SELECT min(vaccination_date) AS d0, max(vaccination_date) AS d1 FROM staging.platform_daily
),
communes AS (
    SELECT unit_code, unit_code::INTEGER AS ck, district_code, province_code FROM ref.units WHERE unit_level = 'commune'
),
cohorts AS (
    SELECT * FROM (VALUES (0, '18+'), (1, '12-17'), (2, '5-11')) c(k, cohort)
),
events AS (
    SELECT p.vaccination_date AS d, p.commune_code::INTEGER * 16 + k.k * 4 + (p.dose - 1) AS series, p.doses_given AS n
    FROM staging.platform_daily p JOIN cohorts k USING (cohort)
    UNION ALL
    SELECT b.d0, c.ck * 16 + k.k * 4 + ds.dose, 0
    FROM communes c
    CROSS JOIN cohorts k
    CROSS JOIN (VALUES (0), (1), (2), (3)) ds(dose)
    CROSS JOIN bounds b
),
runs AS (
    SELECT d, series, n,
           sum(n) OVER w AS pv,
           coalesce(lead(d) OVER w, (SELECT d1 FROM bounds) + 1) AS next_d
    FROM events
    WINDOW w AS (PARTITION BY series ORDER BY d, n ROWS UNBOUNDED PRECEDING)
),
expanded AS (
    -- a row followed by one the next day stands for itself; only rows before a gap are spread over it
    SELECT d AS as_of_date, series, n AS doses_given, pv AS people_vaccinated FROM runs WHERE next_d = d + 1
    UNION ALL
    SELECT d + i::INTEGER, series, CASE WHEN i = 0 THEN n ELSE 0 END, pv
    FROM (SELECT *, unnest(range(0, next_d - d)) AS i FROM runs WHERE next_d > d + 1)
),
by_date AS (
    SELECT * FROM expanded ORDER BY as_of_date
)
SELECT x.as_of_date, c.unit_code, 'commune' AS unit_level, c.district_code, c.province_code, k.cohort,
       (x.series % 4 + 1)::INTEGER AS dose, x.doses_given::BIGINT AS doses_given,
       x.people_vaccinated::BIGINT AS people_vaccinated, p.population_start, p.population_current
FROM by_date x
JOIN communes c ON c.ck = x.series // 16
JOIN cohorts k ON k.k = (x.series // 4) % 4
LEFT JOIN marts.population p ON p.unit_code = c.unit_code AND p.cohort = k.cohort
"""
COMMUNES = ["08707", "08710", "08713", "08716"]


@pytest.fixture()
def con():
    con = duckdb.connect()
    for schema in ("raw", "staging", "marts", "ref"):
        con.execute(f"CREATE SCHEMA {schema}")
    con.execute("CREATE TABLE ref.units (unit_code VARCHAR, unit_level VARCHAR, district_code VARCHAR, "
                "province_code VARCHAR)")
    con.executemany("INSERT INTO ref.units VALUES (?, 'commune', '243', '26')", [[c] for c in COMMUNES])
    con.execute("INSERT INTO ref.units VALUES ('243', 'district', '243', '26'), ('26', 'province', NULL, '26')")
    con.execute("CREATE TABLE marts.population (unit_code VARCHAR, cohort VARCHAR, population_start BIGINT, "
                "population_current BIGINT)")
    con.execute("INSERT INTO marts.population VALUES ('08707', '18+', 1000, 990), ('08710', '12-17', 300, NULL)")
    con.execute("CREATE TABLE staging.files (file_id VARCHAR, received_rank INTEGER)")
    con.execute("INSERT INTO staging.files VALUES ('a', 1), ('b', 2)")
    con.execute("CREATE TABLE raw.platform_daily (file_id VARCHAR, vaccination_date DATE, commune_code VARCHAR, "
                "cohort VARCHAR, dose INTEGER, doses BIGINT)")
    staging = next(m for m in build.discover() if m.table == "staging.platform_daily")
    con.execute(f"CREATE VIEW staging.platform_daily AS {staging.sql()}")
    yield con
    con.close()


def _build(con) -> list[tuple]:
    """The rows of the view marts.coverage_commune, after building the month chunks of the table it reads."""
    models = {m.table: m for m in build.discover()}
    days, view = models["marts.coverage_commune_days"], models["marts.coverage_commune"]
    build._create_chunked(con, days, days.directive("chunks"))
    assert view.is_view() and not days.is_view()
    con.execute(f"CREATE OR REPLACE VIEW {view.table} AS {view.sql()}")
    return con.execute("SELECT * FROM marts.coverage_commune").fetchall()


def _stored_dates(con) -> list[dt.date]:
    return [r[0] for r in con.execute("SELECT as_of_date FROM marts.coverage_commune_days ORDER BY rowid").fetchall()]


def _reference(con) -> list[tuple]:
    return con.execute(f"SELECT * FROM ({REFERENCE}) ORDER BY as_of_date, unit_code, cohort, dose").fetchall()


def _key(row: tuple) -> tuple:
    return row[0], row[1], row[5], row[6]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_month_chunks_give_the_single_statement_rows_stored_by_date(con, seed):
    rng = random.Random(seed)
    first = dt.date(2021, 12, 30)
    rows = []
    for day in range(75):  # 30/12/2021 → 14/03/2022: three month ends
        d = first + dt.timedelta(days=day)
        for commune in COMMUNES[:3]:  # the fourth never has a dose
            for cohort in ("18+", "12-17", "5-11"):
                for dose in (1, 2, 3, 4):
                    if day == 0 or rng.random() < 0.15:  # the first day has doses, then sparse with gaps
                        rows.append(("a", d, commune, cohort, dose, rng.choice([-2, 0, 1, 3, 7, 40])))
    # a later file re-sends two dates around a month end: only its rows count for those dates
    for d in (dt.date(2022, 1, 31), dt.date(2022, 2, 1)):
        rows.append(("b", d, "08710", "18+", 1, 11))
    con.executemany("INSERT INTO raw.platform_daily VALUES (?, ?, ?, ?, ?, ?)", rows)
    built = _build(con)
    assert sorted(built, key=_key) == _reference(con)
    assert _stored_dates(con) == sorted(r[0] for r in built)  # stored by date
    assert len(built) == 75 * len(COMMUNES) * 12


def test_one_day_and_no_day(con):
    assert _build(con) == [] == _reference(con)
    con.execute("INSERT INTO raw.platform_daily VALUES ('a', DATE '2022-03-01', '08707', '18+', 2, 5)")
    built = _build(con)
    assert sorted(built, key=_key) == _reference(con)
    assert len(built) == len(COMMUNES) * 12


def test_codes_with_leading_zeros_read_back_from_the_series_key(con):
    """The view reads the commune's code and its province off the stored key: zero-padded as ref.units holds them."""
    con.execute("INSERT INTO ref.units VALUES ('00004', 'commune', '001', '01'), ('001', 'district', '001', '01'), "
                "('01', 'province', NULL, '01')")
    con.execute("INSERT INTO raw.platform_daily VALUES ('a', DATE '2022-03-01', '00004', '5-11', 4, 7), "
                "('a', DATE '2022-03-02', '08716', '12-17', 3, 2)")
    built = _build(con)
    assert sorted(built, key=_key) == _reference(con)
    assert (dt.date(2022, 3, 1), "00004", "commune", "001", "01", "5-11", 4, 7, 7, None, None) in built
    assert (dt.date(2022, 3, 2), "00004", "commune", "001", "01", "5-11", 4, 0, 7, None, None) in built
    assert (dt.date(2022, 3, 2), "08716", "commune", "243", "26", "12-17", 3, 2, 2, None, None) in built
    assert len(built) == 2 * (len(COMMUNES) + 1) * 12
