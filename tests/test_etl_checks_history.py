"""Two data checks that once looked at one slice only, on a tiny inbox built by the real pipeline:

facility_over_quota looked at the latest status date only. Vĩnh Yên's F01 (quota 100): 120, 130, 130 patients on
10–12/03/2022, no report on 13/03, 110 on 14/03, 95 on 15/03 (the latest day, under quota). Tam Đảo's F02 (quota 50):
60 on 12/03, 50 on 15/03 (exactly the quota: not over). On the latest day nothing is over; before it, 5 facility-days
in three runs.

coverage_over_100 compared with the start-of-period population only. 18+ with dose 1 on 01/03/2022 (the latest
platform date, 02/03, carries the same), start of period / currently present:
- Tích Sơn 7.100 of 7.000 / 7.300 (above the start only), Liên Bảo 13.600 of 14.000 / 13.500 (above the current only),
  Đạo Trù 3.600 of 3.500 / 3.400 (above both); Liên Bảo 12–17 1.700 of 1.800 / 1.700 (exactly all: not).
- Thành phố Vĩnh Yên 20.700 of 21.000 / 20.800 (not); Huyện Tam Đảo = Đạo Trù (both); the province 24.300 of
  24.500 / 24.200 (above the current only).
"""
from __future__ import annotations

import datetime as dt

import pytest

from builders import (DAO_TRU, LIEN_BAO, TICH_SON, flagged, headers, platform_csv, population_csv, run_and_open,
                      write_csv)
from etl import contracts as C
from etl.settings import load_settings

D = dt.date


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    settings = load_settings(tmp_path_factory.mktemp("checks_history") / "data", province="26")
    inbox = settings.inbox
    population_csv(inbox / "population/dan_so.csv", [
        [TICH_SON, "đầu kỳ", 10000, 7000, 900, 1100, "thử"], [TICH_SON, "hiện có", 10500, 7300, 950, 1150, "thử"],
        [LIEN_BAO, "đầu kỳ", 20000, 14000, 1800, 2200, "thử"], [LIEN_BAO, "hiện có", 19000, 13500, 1700, 2100, "thử"],
        [DAO_TRU, "đầu kỳ", 5000, 3500, 450, 550, "thử"], [DAO_TRU, "hiện có", 4900, 3400, 440, 540, "thử"],
    ])
    platform_csv(inbox / "platform/nen_tang.csv", [
        [TICH_SON, "01/03/2022", "18+", 1, "Pfizer", 7100], [LIEN_BAO, "01/03/2022", "18+", 1, "Pfizer", 13600],
        [DAO_TRU, "01/03/2022", "18+", 1, "Pfizer", 3600], [LIEN_BAO, "02/03/2022", "12-17", 1, "Pfizer", 1700],
    ])
    write_csv(inbox / "facilities/co_so.csv", headers(C.FACILITIES), [
        ["F01", "Bệnh viện dã chiến Vĩnh Yên", "243", "tuyến huyện", 100, "01/01/2022", ""],
        ["F02", "Khu điều trị Tam Đảo", "248", "tuyến huyện", 50, "01/01/2022", ""],
    ])
    # [facility, date, beds ready, occupied, admissions, discharges, referred up, staff on duty]
    write_csv(inbox / "facility_status/hoat_dong.csv", headers(C.FACILITY_STATUS), [
        ["F01", "10/03/2022", 200, 120, 0, 0, 0, 5], ["F01", "11/03/2022", 200, 130, 0, 0, 0, 5],
        ["F01", "12/03/2022", 200, 130, 0, 0, 0, 5], ["F01", "14/03/2022", 200, 110, 0, 0, 0, 5],
        ["F01", "15/03/2022", 200, 95, 0, 0, 0, 5],
        ["F02", "12/03/2022", 100, 60, 0, 0, 0, 3], ["F02", "15/03/2022", 100, 50, 0, 0, 0, 3],
    ], when=dt.datetime(2022, 3, 15, 20, 0))
    connection = run_and_open(settings)
    yield connection
    connection.close()


def test_facility_over_quota_lists_every_run_not_only_the_latest_day(con):
    # 15/03, the latest day: F01 95 of 100, F02 50 of 50 — nothing; earlier: F01 10–12/03 (peak 130, first on 11/03),
    # F01 14/03 alone (13/03 was not reported), F02 12/03 alone
    assert flagged(con, "facility_over_quota") == [
        ("243", D(2022, 3, 12), "Bệnh viện dã chiến Vĩnh Yên: vượt định mức 3 ngày liền, từ 10/03/2022 đến "
                                "12/03/2022; cao nhất đang điều trị 130 / định mức 100 (ngày 11/03/2022)"),
        ("243", D(2022, 3, 14), "Bệnh viện dã chiến Vĩnh Yên: vượt định mức ngày 14/03/2022, đang điều trị 110 / "
                                "định mức 100"),
        ("248", D(2022, 3, 12), "Khu điều trị Tam Đảo: vượt định mức ngày 12/03/2022, đang điều trị 60 / định mức 50"),
    ]
    title = con.execute("SELECT title FROM checks.summary WHERE check_id = 'facility_over_quota'").fetchone()[0]
    assert "mọi ngày" in title and "mỗi đợt" in title


def test_coverage_over_100_on_either_population_names_the_bases(con):
    latest = D(2022, 3, 2)
    assert flagged(con, "coverage_over_100") == [
        (TICH_SON, latest, "Nhóm 18+, mũi 1: 7.100 người / dân số đầu kỳ 7.000 (hiện có 7.300)"),
        (LIEN_BAO, latest, "Nhóm 18+, mũi 1: 13.600 người / dân số hiện có 13.500 (đầu kỳ 14.000)"),
        (DAO_TRU, latest, "Nhóm 18+, mũi 1: 3.600 người / cả dân số đầu kỳ 3.500 và hiện có 3.400"),
        ("248", latest, "Nhóm 18+, mũi 1: 3.600 người / cả dân số đầu kỳ 3.500 và hiện có 3.400"),  # Tam Đảo
        ("26", latest, "Nhóm 18+, mũi 1: 24.300 người / dân số hiện có 24.200 (đầu kỳ 24.500)"),  # the province
    ]
