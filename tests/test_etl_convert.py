"""Typing rules: the Python reading (workbooks) and the SQL reading (large CSV exports) of numbers agree."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from etl.convert import _int_sql
from etl.values import parse_date, parse_datetime, parse_int

NUMBERS = {
    "1234": 1234, "1.234": 1234, "1.234.567": 1234567, "12,0": 12, "1.234,0": 1234, " 7 ": 7, "1\xa0234": 1234,
    "-5": -5, "6.990": 6990, "12,5": None, "12.5": None, "abc": None, "1.23": None, "mười": None,
    "-1.234": -1234, "1.234.567,0": 1234567, "12.0": 12, "-7,0": -7, "1.2345": None, ",5": None,
}


@pytest.mark.parametrize("text,expected", NUMBERS.items())
def test_vietnamese_numbers_read_the_same_in_python_and_in_sql(text, expected):
    with duckdb.connect() as con:
        in_sql = con.execute(f"SELECT {_int_sql('v')} FROM (SELECT ?::VARCHAR AS v)", [text]).fetchone()[0]
    assert in_sql == expected
    if expected is None:
        with pytest.raises(ValueError, match="không phải là số nguyên"):
            parse_int(text)
    else:
        assert parse_int(text) == expected


@pytest.mark.parametrize("text,expected", [
    ("14/03/2022", dt.date(2022, 3, 14)), ("4/3/2022", dt.date(2022, 3, 4)), ("14-03-2022", dt.date(2022, 3, 14)),
    ("14.03.2022", dt.date(2022, 3, 14)), ("2022-03-14", dt.date(2022, 3, 14)),
    ("Số liệu đến ngày 14/03/2022", dt.date(2022, 3, 14)),
])
def test_dates_are_read_day_first(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2022", "14/03/1922", "hôm qua"])
def test_impossible_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)


def test_a_check_time_reads_hours_and_minutes():
    assert parse_datetime("15/02/2022 13:05") == dt.datetime(2022, 2, 15, 13, 5)
    assert parse_datetime("15/02/2022 14h00") == dt.datetime(2022, 2, 15, 14, 0)


def test_numbers_written_into_check_details_are_vietnamese():
    import duckdb

    from etl.build import create_macros

    con = duckdb.connect()
    create_macros(con)
    assert con.execute("SELECT vn_int(7100), vn_int(-1234567), vn_int(12), vn_int(NULL), vn_num1(12345.678), "
                       "vn_num1(0.05), vn_num1(NULL)").fetchone() == \
        ("7.100", "-1.234.567", "12", "?", "12.345,7", "0,1", "?")
