"""Fixtures for the dashboard tests (loaded with `pytest_plugins = ["conftest_app"]`).

A small warehouse whose every figure can be computed by hand (the expected values are in the tests, with the sum
that gives them), built once per session through the real pipeline; caches cleared around every test because
Streamlit's caches outlive an AppTest.
"""
from __future__ import annotations

import datetime as dt
import functools
import shutil
from pathlib import Path

import pytest
import streamlit as st
from builders import (
    DAO_TRU,
    LIEN_BAO,
    TICH_SON,
    cases_csv,
    district_report_xlsx,
    headers,
    platform_csv,
    population_csv,
    report_numbers,
    write_csv,
)
from streamlit.testing.v1 import AppTest

from app import memo
from etl import contracts as C
from etl.pipeline import Progress, run
from etl.settings import load_settings, save_province

PROJECT = Path(__file__).resolve().parent.parent
ENTRY = str(PROJECT / "dashboard.py")
VINH_YEN, TAM_DAO = "243", "248"
# The coverage page opens on the nearest target's cohort and dose; tests of its sums choose 18+ dose 1 as a viewer would
DOSE1_18 = {"cov_cohort": "18+", "cov_dose": 1}
HA_KHANH = "06649"  # Quảng Ninh (22): a province whose districts have no polygons in the shipped boundary file


def write_app_inbox(inbox: Path) -> None:
    """Population, platform, cases, one district report, facilities, stock: see tests/test_app_pages.py for the sums."""
    population_csv(inbox / "population/dan_so.csv", [
        [TICH_SON, "đầu kỳ", 10000, 7000, 900, 1100, "Tổng điều tra 2019"],
        [TICH_SON, "hiện có", 10500, 7300, 950, 1150, "CDC rà soát"],
        [LIEN_BAO, "đầu kỳ", 20000, 14000, 1800, 2200, "Tổng điều tra 2019"],
        [LIEN_BAO, "hiện có", 19000, 13500, 1700, 2100, "CDC rà soát"],
        [DAO_TRU, "đầu kỳ", 5000, 3500, 450, 550, "Tổng điều tra 2019"],
        [DAO_TRU, "hiện có", 4900, 3400, 440, 540, "CDC rà soát"],
    ])
    platform_csv(inbox / "platform/xuat.csv", [
        [TICH_SON, "03/01/2022", "18+", 1, "Pfizer", 6000], [TICH_SON, "08/03/2022", "18+", 1, "Pfizer", 1100],
        [TICH_SON, "01/02/2022", "18+", 2, "Pfizer", 5000], [TICH_SON, "10/03/2022", "18+", 2, "Pfizer", 500],
        [TICH_SON, "10/03/2022", "18+", 3, "Moderna", 1000],
        [LIEN_BAO, "03/01/2022", "18+", 1, "AstraZeneca", 12000],
        [LIEN_BAO, "01/02/2022", "18+", 2, "AstraZeneca", 10000],
        [DAO_TRU, "03/01/2022", "18+", 1, "Vero Cell", 3000],
        [DAO_TRU, "01/02/2022", "18+", 2, "Vero Cell", 2000],
    ], when=dt.datetime(2022, 3, 11, 8, 0))
    # 14 days at Tích Sơn: 10 new F0 a day, then 20 a day for the last 7; 35 active (30 at home, 5 in a facility),
    # all monitored, 30 given antiviral medicine (27 on 14/03). Liên Bảo: no new F0, 10 active at home, monitored,
    # none given medicine.
    cases_csv(inbox / "cases/ca_benh.csv", [
        [TICH_SON, f"{day:02d}/03/2022", 10 if day <= 7 else 20, 1, 30, 5, 2, 0, 0, 27 if day == 14 else 30, 35]
        for day in range(1, 15)
    ] + [[LIEN_BAO, f"{day:02d}/03/2022", 0, 0, 10, 0, 0, 0, 0, 0, 10] for day in range(1, 15)],
        when=dt.datetime(2022, 3, 14, 20, 0))
    district_report_xlsx(inbox / "district_reports/vinh_yen.xlsx", "TP. Vĩnh Yên", "07/03/2022", [
        ["P. Tích Sơn", *report_numbers(7000, 6000, 5000, 0)],
        ["P. Liên Bảo", *report_numbers(14000, 9000, 10000, 0)],
    ], when=dt.datetime(2022, 3, 7, 16, 0))
    write_csv(inbox / "facilities/co_so.csv", headers(C.FACILITIES), [
        ["F01", "Bệnh viện dã chiến số 1", VINH_YEN, "tuyến huyện", 100, "01/01/2022", ""],
        ["F02", "Khu điều trị tập trung Tam Đảo", TAM_DAO, "tuyến huyện", 50, "01/01/2022", ""],
    ], when=dt.datetime(2022, 3, 1, 8, 0))
    write_csv(inbox / "facility_status/hoat_dong.csv", headers(C.FACILITY_STATUS), [
        ["F01", "14/03/2022", 150, 120, 10, 5, 1, 12],
        ["F02", "14/03/2022", 60, 20, 2, 1, 0, 6],
    ], when=dt.datetime(2022, 3, 14, 18, 0))
    commune_boundaries(inbox / "boundaries/ranh_gioi_xa.geojson", (VINH_YEN, TAM_DAO))
    write_csv(inbox / "stock/so_vac_xin.csv", headers(C.STOCK), [
        ["Tỉnh", "01/03/2022", "Pfizer", "FK1", "20/03/2022", 1000, 0, 0, 0, 1000],
        [VINH_YEN, "01/03/2022", "Moderna", "MD1", "31/12/2022", 500, 0, 0, 0, 500],
        [VINH_YEN, "14/03/2022", "Moderna", "MD1", "31/12/2022", 0, 0, 50, 0, 450],
    ], when=dt.datetime(2022, 3, 14, 18, 0))


def commune_boundaries(path: Path, districts: tuple[str, ...]) -> None:
    """A province's commune boundary file, as a GeoJSON in WGS84: the communes of `districts`, cut from the real
    district polygons (etl/demo_geo.py); the province's other communes are absent, as in a file still being made."""
    import geopandas as gpd

    from etl.demo_geo import commune_polygons
    from etl.units import UnitRegistry

    registry = UnitRegistry.load("26")
    rows = [row for row in commune_polygons("26", 1) if registry.district_of(row[0]) in districts]
    path.parent.mkdir(parents=True, exist_ok=True)
    gpd.GeoDataFrame({"ma_xa": [c for c, _, _ in rows], "ten_xa": [n for _, n, _ in rows]},
                     geometry=[g for _, _, g in rows], crs="EPSG:4326").to_file(path, driver="GeoJSON", engine="pyogrio")


def write_complete_inbox(inbox: Path) -> None:
    """Cases from every commune of Vĩnh Phúc on 01–14/03/2022 (complete days), then only Tích Sơn on 15/03 (a day
    still filling). Tích Sơn: 10 new F0 a day to 07/03, 20 a day from 08/03 to 14/03, 5 on 15/03 so far; every other
    commune reports 0. Population as write_app_inbox (35.000 people in all)."""
    from etl.units import UnitRegistry

    population_csv(inbox / "population/dan_so.csv", [
        [TICH_SON, "đầu kỳ", 10000, 7000, 900, 1100, "Tổng điều tra 2019"],
        [LIEN_BAO, "đầu kỳ", 20000, 14000, 1800, 2200, "Tổng điều tra 2019"],
        [DAO_TRU, "đầu kỳ", 5000, 3500, 450, 550, "Tổng điều tra 2019"],
    ])
    rows = []
    for day in range(1, 15):
        for commune in UnitRegistry.load("26").communes["commune_code"]:
            new = (10 if day <= 7 else 20) if commune == TICH_SON else 0
            rows.append([commune, f"{day:02d}/03/2022", new, 0, new, 0, 0, 0, 0, new, new])
    rows.append([TICH_SON, "15/03/2022", 5, 0, 5, 0, 0, 0, 0, 5, 5])
    cases_csv(inbox / "cases/ca_benh.csv", rows, when=dt.datetime(2022, 3, 15, 20, 0))


def build(data_dir: Path, province: str, write) -> Path:
    settings = load_settings(data_dir, province=province)
    save_province(settings)
    write(settings.inbox)
    result = run(settings, Progress(sink=lambda line: None))
    assert result.snapshot, result.summary()
    return data_dir


PHUC_XA = "00001"  # Phường Phúc Xá, Quận Ba Đình (001), Thành phố Hà Nội (01)


def write_national_inbox(inbox: Path) -> None:
    """The whole country (province code 00) with only platform and population data, like the national benchmark:
    Phúc Xá (Hà Nội) and Tích Sơn (Vĩnh Phúc). 12–17: 1.000 people vaccinated at Phúc Xá for 800 + 100 (111%)."""
    population_csv(inbox / "population/dan_so.csv", [
        [PHUC_XA, "đầu kỳ", 10000, 7000, 800, 1100, "Tổng điều tra 2019"],
        [TICH_SON, "đầu kỳ", 10000, 7000, 100, 1100, "Tổng điều tra 2019"],
    ])
    platform_csv(inbox / "platform/xuat.csv", [
        [PHUC_XA, "01/03/2022", "18+", 1, "Pfizer", 6300], [PHUC_XA, "01/03/2022", "12-17", 1, "Pfizer", 1000],
        [TICH_SON, "01/03/2022", "18+", 1, "Pfizer", 3500],
    ], when=dt.datetime(2022, 3, 2, 8, 0))


def write_qn_inbox(inbox: Path) -> None:
    population_csv(inbox / "population/dan_so.csv", [[HA_KHANH, "đầu kỳ", 8000, 6000, 800, 900, "Tổng điều tra 2019"]])
    platform_csv(inbox / "platform/xuat.csv", [[HA_KHANH, "01/03/2022", "18+", 1, "Pfizer", 5400]])


@pytest.fixture(scope="session")
def app_data(tmp_path_factory) -> Path:
    """Data directory of the hand-made warehouse (Vĩnh Phúc)."""
    return build(tmp_path_factory.mktemp("app") / "data", "26", write_app_inbox)


@pytest.fixture(scope="session")
def complete_data(tmp_path_factory) -> Path:
    """Data directory with complete reporting days, then one still filling (write_complete_inbox)."""
    return build(tmp_path_factory.mktemp("complete") / "data", "26", write_complete_inbox)


@pytest.fixture(scope="session")
def national_data(tmp_path_factory) -> Path:
    """Data directory of a whole-country warehouse (province 00): provinces on top, no cases, stock or facilities."""
    return build(tmp_path_factory.mktemp("national") / "data", "00", write_national_inbox)


@pytest.fixture(scope="session")
def qn_data(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("qn") / "data", "22", write_qn_inbox)


def clear_caches() -> None:
    """Streamlit's caches (elements replayed by app.replay among them) and the query cache (app.memo)."""
    st.cache_data.clear()
    st.cache_resource.clear()
    memo.clear()


@pytest.fixture(autouse=True)
def clear_streamlit_caches():
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def use_data(monkeypatch):
    """Point the dashboard at a data directory (the frame reads COVID_DATA_DIR on every run)."""
    def use(data_dir: Path) -> Path:
        monkeypatch.setenv("COVID_DATA_DIR", str(data_dir))
        monkeypatch.delenv("COVID_PROVINCE", raising=False)
        return data_dir
    return use


@pytest.fixture
def app_copy(tmp_path, app_data) -> Path:
    """A private copy of the warehouse, for tests that publish or log runs."""
    target = tmp_path / "data"
    shutil.copytree(app_data, target)
    return target


TEST_PASSWORD = "mat-khau-kiem-thu"


@functools.cache
def test_password_hash() -> str:
    """TEST_PASSWORD's argon2id hash, made once per test process (a hash takes about 0,3 s here, and hundreds of tests
    sign in on a fresh copy of a warehouse)."""
    from argon2 import PasswordHasher

    return PasswordHasher().hash(TEST_PASSWORD)


def session_for(role: str = "committee", login: str | None = None, district: str | None = None,
                data_dir: Path | None = None) -> str:
    """A signed-in session of an account of `role` in `data_dir` (else the one the dashboard reads, COVID_DATA_DIR):
    the account is created once (its password already chosen), the session id is what the browser would hold."""
    from app.state import State
    from etl.settings import load_settings

    store = State(load_settings(data_dir).data_dir / "state" / "state.sqlite3")
    login = login or f"kiemthu.{role}"
    if store.account(login) is None:
        try:
            store.create_account(login, f"Kiểm thử ({role})", role, district, TEST_PASSWORD, chosen=True,
                                 password_hash=test_password_hash())
        except ValueError:
            assert store.account(login) is not None  # created meanwhile by another test worker
    return store.new_session(login, "127.0.0.1")


def app_test(timeout: float = 30, role: str = "committee", login: str | None = None,
             district: str | None = None) -> AppTest:
    """The entry script, not run yet, for a viewer signed in as `role` (a whole-province committee member unless
    said otherwise): the session id is in the tab's state, as after the sign-in form."""
    at = AppTest.from_file(ENTRY, default_timeout=timeout)
    at.session_state["_phien"] = session_for(role, login, district)
    return at


def open_page(page: str | None = None, timeout: float = 30, role: str = "committee", login: str | None = None,
              district: str | None = None, state: dict | None = None) -> AppTest:
    """Run the entry script (which runs the frame and lands on the overview), then the page, as a browser would, for a
    signed-in viewer (see app_test), with the widgets of `state` (key: value) already set as a viewer left them."""
    at = app_test(timeout, role, login, district).run()
    for key, value in (state or {}).items():
        at.session_state[key] = value
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def table(at: AppTest, key: str):
    """The frame behind a table drawn by app.widgets.table(key=...): Vietnamese headers, numbers still numbers."""
    def walk(node):
        if getattr(node, "key", None) == f"table_{key}":
            return node
        for child in getattr(node, "children", {}).values():
            found = walk(child)
            if found is not None:
                return found
        return None

    block = walk(at.main) or walk(at.sidebar)
    assert block is not None, f"no table {key!r} on the page"
    assert len(block.dataframe), f"no table {key!r} on the page, its sentence for no rows instead"
    return block.dataframe[0].value


def excel(at: AppTest, key: str):
    """The Excel file of a table drawn by app.widgets.table(key=...) (every row, Excel-only columns included), as the
    download button writes it: the page is run again with app.figures recording the tables it draws."""
    import io

    import pandas as pd

    from app import figures
    from app import widgets as W

    with figures.recording() as rec:
        at.run()
    drawn = [t for t in rec.tables if t["key"] == key]
    assert drawn, f"no table {key!r} on the page"
    return pd.read_excel(io.BytesIO(W.excel_bytes(drawn[-1]["frame"], drawn[-1]["cols"])))


def read(markdown: str) -> str:
    """Markdown as a viewer reads it: source text is escaped where it enters markdown (app.formatting.md), and the
    escapes are not on screen."""
    import re

    return re.sub(r"\\(.)", r"\1", str(markdown)).replace("\u2060", "")


def texts(at: AppTest) -> str:
    """Every piece of text on the page (main area and sidebar), as a viewer reads it (read), for assertions."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value} {m.delta or ''}" for m in at.metric]
    return read("\n".join(parts))
