"""The query layer: scope applied in SQL and part of every cache key, values bound, read-only, thread-safe, and the
figures checked against an independent query on the snapshot."""
import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pytest

pytest.register_assert_rewrite("conftest_app")
from conftest_app import TAM_DAO, VINH_YEN

from app import queries as q
from app import stockdata as sd
from etl.settings import load_settings

pytest_plugins = ["conftest_app"]
DAY = dt.date(2022, 3, 14)


@pytest.fixture
def snap(app_data):
    return q.snapshot_path(load_settings(app_data))


@pytest.fixture
def every(snap):
    return q.all_districts(snap)


def independent(snap, sql, params=()):
    con = duckdb.connect(snap, read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_all_districts_is_the_province(snap, every):
    assert every == ("243", "244", "246", "247", "248", "249", "251", "252", "253")


def test_headline_over_all_districts_equals_the_province_row_of_the_mart(snap, every):
    head = q.coverage_headline(snap, every, DAY, "start").set_index(["cohort", "dose"])
    rows = independent(snap, "SELECT cohort, dose, people_vaccinated, population_start FROM marts.coverage "
                              "WHERE unit_level = 'province' AND as_of_date = DATE '2022-03-10'")
    for cohort, dose, people, population in rows:
        if (cohort, dose) in head.index:
            assert head.loc[(cohort, dose), "people"] == people
            assert head.loc[(cohort, dose), "population"] == population


def test_scope_is_applied_in_sql_and_is_part_of_the_cache_key(snap, every):
    whole = q.coverage_headline(snap, every, DAY, "start")
    tam_dao = q.coverage_headline(snap, (TAM_DAO,), DAY, "start")  # asked second: a shared cache must not answer
    assert whole.iloc[0]["people"] == 22100 and tam_dao.iloc[0]["people"] == 3000
    assert list(q.districts(snap, (VINH_YEN,))["district_code"]) == [VINH_YEN]
    assert q.coverage_units(snap, (), DAY, "18+", 1, "start", "coverage").empty
    assert list(q.unvaccinated_units(snap, (TAM_DAO,), DAY)["unit_code"]) == []
    assert q.facilities(snap, (TAM_DAO,), DAY)["facility_code"].tolist() == ["F02"]
    assert sd.stock_lots(snap, (TAM_DAO,), DAY)["lot"].tolist() == ["FK1"]  # the province's store serves everyone


def test_values_are_bound_not_spliced(snap):
    hostile = ("243') OR true --", "' OR 1=1 --")
    assert q.districts(snap, hostile).empty
    assert q.coverage_units(snap, hostile, DAY, "18+' OR '1'='1", 1, "start", "coverage").empty


def test_the_connection_is_read_only(snap):
    with pytest.raises(duckdb.Error):
        q._connection(snap).cursor().execute("CREATE TABLE marts.x AS SELECT 1")


def test_queries_from_many_threads_at_once(snap, every):
    def ask(i):
        return q._query(snap, "coverage_headline", scope=every, as_of=DAY - dt.timedelta(days=i % 5),
                        population="start")
    with ThreadPoolExecutor(max_workers=8) as pool:
        frames = list(pool.map(ask, range(40)))
    assert all(not f.empty for f in frames)


def test_as_of_dates_beyond_a_source_take_its_latest_date(snap, every):
    head = q.coverage_headline(snap, every, DAY, "start")
    assert set(head["as_of_date"].dt.date) == {dt.date(2022, 3, 10)}
    assert q.cases_summary(snap, every, dt.date(2022, 2, 1)) is None
    assert sd.stock_overview(snap, every, dt.date(2022, 2, 1)) is None


def test_deadline_exceptions_on_the_as_of_date_scoped(snap, every):
    found = q.deadline_exceptions(snap, every, DAY)
    # units without a population figure cannot be judged and are left out: every row still needs people
    assert set(found["status"]) == {"at_risk", "missed"} and (found["people_needed"] > 0).all()
    # judged on the platform's last date up to the as-of date (10/03/2022), not on the snapshot's last date
    assert set(found["as_of_date"].dt.date) == {dt.date(2022, 3, 10)}
    ahead = found[found["status"] == "at_risk"]
    assert (ahead["deadline"].dt.date >= dt.date(2022, 3, 10)).all()
    assert found["status"].tolist() == sorted(found["status"])  # deadlines still ahead first
    only_tam_dao = q.deadline_exceptions(snap, (TAM_DAO,), DAY)
    assert set(only_tam_dao["unit_code"]) <= {TAM_DAO, "26"}  # its own rows and the province's, nobody else's
    assert TAM_DAO in set(only_tam_dao["unit_code"])
