"""The rules common to every source (docs/data-contract.md): every format a source allows loads; a count below zero
is loaded and flagged where it stands; an event date after the run date, a row repeated within a file and a second
table in a workbook refuse the file; a form's footer is not data; a commune's district tells namesakes apart.

The run date is 05/03/2022 throughout (etl.values.today is replaced). Every source has one tiny table (SPECS) whose
rows are written as CSV or as a workbook (header on row 1, so the first data row is row 2); what each loads is
computed by hand.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from builders import (DAO_TRU, LIEN_BAO, TICH_SON, district_report_xlsx, edit_xlsx, headers, report_numbers,
                      table_file, workbook_xlsx, write_csv)
from etl import contracts as C
from etl import values
from etl.convert import create_raw_tables, load_file
from etl.pipeline import EXIT_OK, EXIT_REJECTED, Progress, run
from etl.readers import FileError, col_letter
from etl.reference import load_reference
from etl.settings import load_settings
from test_etl_pipeline import base_inbox, query

RUN_DAY = dt.date(2022, 3, 5)
D = dt.date
# Vĩnh Phúc has two communes named Xuân Hòa: a ward of Thành phố Phúc Yên and a commune of Huyện Lập Thạch
XUAN_HOA_PHUC_YEN, XUAN_HOA_LAP_THACH = "08746", "08794"


@dataclass(frozen=True)
class Spec:
    rows: list[list[object]]              # in the contract's column order (builders.headers)
    checks: list[tuple[str, list[tuple]]]  # (query on the snapshot, rows it returns)


SPECS: dict[str, Spec] = {
    "platform": Spec(
        [[TICH_SON, "05/03/2022", "18+", 1, "Pfizer", 3],
         [TICH_SON, "05/03/2022", "18+", 1, "Moderna", 2],
         [DAO_TRU, "05/03/2022", "12-17", 2, "Pfizer", 4]],
        [("SELECT commune_code, cohort, dose, doses FROM raw.platform_daily WHERE vaccination_date = '2022-03-05' "
          "ORDER BY commune_code", [(TICH_SON, "18+", 1, 5), (DAO_TRU, "12-17", 2, 4)]),
         ("SELECT district_code, product, doses FROM raw.platform_products WHERE vaccination_date = '2022-03-05' "
          "ORDER BY district_code, product", [("243", "Moderna", 2), ("243", "Pfizer", 3), ("248", "Pfizer", 4)])]),
    "cases": Spec(
        [[TICH_SON, "04/03/2022", 3, 1, 10, 2, 1, 0, 0, 8, 9],
         [LIEN_BAO, "04/03/2022", 0, 0, 5, 0, 2, 1, 0, 5, 5]],
        [("SELECT commune_code, report_date, new_f0, new_f0_from_f1, active_home, active_facility, new_severe, "
          "active_monitored FROM staging.cases ORDER BY commune_code",
          [(TICH_SON, D(2022, 3, 4), 3, 1, 10, 2, 0, 9), (LIEN_BAO, D(2022, 3, 4), 0, 0, 5, 0, 1, 5)])]),
    "facilities": Spec(
        # closed_on is a planned date: after the run date is allowed
        [["CS01", "Khu điều trị tập trung số 1", "Tam Đảo", "tuyến huyện", 50, "01/02/2022", "01/06/2022"],
         ["BV01", "Bệnh viện Bạch Mai", "Tỉnh", "tuyến trên", 200, "01/01/2022", None]],
        [("SELECT facility_code, district_code, province_code, tier, bed_quota, opened_on, closed_on "
          "FROM staging.facilities ORDER BY facility_code",
          [("BV01", None, "26", "upper", 200, D(2022, 1, 1), None),
           ("CS01", "248", "26", "district", 50, D(2022, 2, 1), D(2022, 6, 1))])]),
    "facility_status": Spec(
        [["CS01", "04/03/2022", 60, 35, 6, 2, 1, 12]],
        [("SELECT facility_code, status_date, beds_ready, occupied, admissions, discharges, referred_up, staff_on_duty "
          "FROM staging.facility_status", [("CS01", D(2022, 3, 4), 60, 35, 6, 2, 1, 12)])]),
    "community_care": Spec(
        [[TICH_SON, "04/03/2022", 1, 8]],
        [("SELECT commune_code, status_date, mobile_stations, community_teams FROM staging.community_care",
          [(TICH_SON, D(2022, 3, 4), 1, 8)])]),
    "duty_checks": Spec(
        [[DAO_TRU, "04/03/2022 07:54", "Có", "Có 2 cán bộ trực"],
         [DAO_TRU, "05/03/2022 21:30", "Không", None]],  # later the same day as the run: not in the future
        [("SELECT commune_code, checked_at, staff_present, note FROM staging.duty_checks ORDER BY checked_at",
          [(DAO_TRU, dt.datetime(2022, 3, 4, 7, 54), True, "Có 2 cán bộ trực"),
           (DAO_TRU, dt.datetime(2022, 3, 5, 21, 30), False, None)])]),
    "stock": Spec(
        # expiry is after the run date, as it should be
        [["Tỉnh", "04/03/2022", "Pfizer", "FK1234", "31/12/2022", 1000, 200, 0, 0, 800],
         ["Tam Đảo", "04/03/2022", "Pfizer", "FK1234", "31/12/2022", 200, 0, 50, 1, 149]],
        [("SELECT store_code, product, lot, expiry_date, received, issued, administered, wasted, on_hand "
          "FROM staging.stock ORDER BY store_code",
          [("248", "Pfizer", "FK1234", D(2022, 12, 31), 200, 0, 50, 1, 149),
           ("26", "Pfizer", "FK1234", D(2022, 12, 31), 1000, 200, 0, 0, 800)])]),
    "assignments": Spec(
        [["Tam Đảo", "Nguyễn Văn An", "nvan", "Trần Thị Bình"],
         ["Thành phố Vĩnh Yên", "Lê Văn Cường", "lvcuong", "Phạm Văn Dũng"]],
        [("SELECT district_code, member, member_login, district_secretary FROM staging.assignments "
          "ORDER BY district_code",
          [("243", "Lê Văn Cường", "lvcuong", "Phạm Văn Dũng"), ("248", "Nguyễn Văn An", "nvan", "Trần Thị Bình")])]),
    "submissions": Spec(
        [["Huyện Tam Đảo", "bao_cao_tuan", "04/03/2022"],
         ["Sở Y tế", "bao_cao_tuan", "03/03/2022"],
         ["Huyện Tam Đảo", "bao_cao_tuan", "05/03/2022"]],  # sent again the next day: the earliest counts
        [("SELECT target_id, unit_code, submitted_on, submissions FROM staging.submissions ORDER BY unit_code",
          [("bao_cao_tuan", "248", D(2022, 3, 4), 2), ("bao_cao_tuan", "26", D(2022, 3, 3), 1)])]),
    "population": Spec(
        [[DAO_TRU, "đầu kỳ", 5000, 3500, 700, 800, "Tổng điều tra 2019"]],
        [("SELECT commune_code, version, pop_total, pop_18, pop_12_17, pop_5_11, population_source "
          f"FROM staging.population WHERE commune_code = '{DAO_TRU}'",
          [(DAO_TRU, "start", 5000, 3500, 700, 800, "Tổng điều tra 2019")])]),
    "district_reports": Spec(
        [["Xã Đạo Trù", *report_numbers(3500, 3400, 3300, 2000)]],
        [("SELECT commune_code, district_code, report_date, pop_start_18, d18_1, d18_3, unvax_refused "
          "FROM staging.district_reports", [(DAO_TRU, "248", D(2022, 3, 4), 3500, 3400, 2000, 1)])]),
}
REPORT_FIRST_ROW = 7  # district_report_xlsx: title rows 1–3, a blank row, the header on rows 5–6
CASES = [(name, fmt) for name, source in C.TABULAR_SOURCES.items() for fmt in source.formats]


def test_every_tabular_source_has_a_spec():
    assert set(SPECS) == set(C.TABULAR_SOURCES)


def write_source(folder: Path, name: str, fmt: str, rows: list[list[object]], stem: str = "tep") -> Path:
    """The spec's rows as a file of the source in that format, where the inbox expects it."""
    path = folder / name / f"{stem}{fmt}"
    if name == "district_reports":
        return district_report_xlsx(path, "Huyện Tam Đảo", "04/03/2022", rows, when=dt.datetime(2022, 3, 5, 1, 0))
    return table_file(path, headers(C.TABULAR_SOURCES[name]), rows, when=dt.datetime(2022, 3, 5, 1, 0))


def first_row(name: str) -> int:
    return REPORT_FIRST_ROW if name == "district_reports" else 2


def where(source: C.Source, name: str) -> str:
    column = source.column(name)
    position = [c.name for c in source.columns].index(name) + (1 if source is C.DISTRICT_REPORT else 0)  # STT
    return f'{col_letter(position)} ("{column.header}")'


def quiet() -> Progress:
    return Progress(sink=lambda line: None)


@pytest.fixture
def run_day(monkeypatch):
    monkeypatch.setattr(values, "today", lambda: RUN_DAY)
    return RUN_DAY


@pytest.fixture
def settings(tmp_path, run_day):
    return load_settings(tmp_path / "data", province="26")


@pytest.fixture
def loader(tmp_path, run_day):
    """load_file into an empty snapshot: what a file loads or why it is refused, without building the marts."""
    con = duckdb.connect()
    create_raw_tables(con)
    registry = load_reference(con, "26", lambda line: None)

    def load(path: Path, name: str):
        return load_file(con, path, C.TABULAR_SOURCES[name], registry, "f1")

    load.con = con
    yield load
    con.close()


def refusal(settings) -> str:
    reports = sorted(settings.quarantine.glob("*.loi.txt"))
    assert len(reports) == 1, reports
    return reports[0].read_text(encoding="utf-8")


# 1. Every format the contract allows, for every source

@pytest.mark.parametrize("name,fmt", CASES, ids=[f"{n}{f}" for n, f in CASES])
def test_every_source_loads_in_every_format_it_allows(settings, name, fmt):
    base_inbox(settings.inbox)
    write_source(settings.inbox, name, fmt, SPECS[name].rows)
    result = run(settings, quiet())
    assert (result.exit_code, result.rejected) == (EXIT_OK, [])
    for sql, expected in SPECS[name].checks:
        assert query(settings, sql) == expected, sql


# 2. Counts below zero: loaded and flagged, with file, row and column

COUNT_CASES = [(n, f, next(c.name for c in C.TABULAR_SOURCES[n].columns if c.kind == C.INT and c.minimum == 0))
               for n, f in CASES if any(c.kind == C.INT for c in C.TABULAR_SOURCES[n].columns)]


@pytest.mark.parametrize("name,fmt,count", COUNT_CASES, ids=[f"{n}{f}-{c}" for n, f, c in COUNT_CASES])
def test_a_negative_count_is_loaded_and_recorded_with_its_row_and_column(loader, tmp_path, name, fmt, count):
    source = C.TABULAR_SOURCES[name]
    rows = [list(r) for r in SPECS[name].rows]
    column = source.column(count)
    rows[0][[c.name for c in source.columns].index(column.name)] = -3
    loader(write_source(tmp_path, name, fmt, rows), name)
    sheet = ("BC tiem chung" if name == "district_reports" else "Sheet1") if fmt == ".xlsx" else None
    assert loader.con.execute("SELECT file_id, sheet, source_row, column_ref, value, minimum FROM raw.value_flags"
                              ).fetchall() == [("f1", sheet, first_row(name), where(source, column.name), -3, 0)]


def test_negative_counts_are_flagged_by_a_check_naming_file_row_and_column(settings):
    base_inbox(settings.inbox)
    write_csv(settings.inbox / "cases/ca_am.csv", headers(C.CASES), [
        [TICH_SON, "04/03/2022", 3, 1, 10, 2, 1, 0, 0, 8, 9],
        [LIEN_BAO, "04/03/2022", -3, 0, 5, 0, 2, 1, 0, 5, -1250],
    ], when=dt.datetime(2022, 3, 5, 1, 0))
    write_csv(settings.inbox / "platform/am.csv", headers(C.PLATFORM), [
        [TICH_SON, "04/03/2022", "18+", 1, "Pfizer", 10],
        [TICH_SON, "04/03/2022", "18+", 1, "Moderna", "-1.234"],
    ], when=dt.datetime(2022, 3, 5, 1, 0))
    district_report_xlsx(settings.inbox / "district_reports/tam_dao.xlsx", "Huyện Tam Đảo", "04/03/2022", [
        ["Xã Đạo Trù", *report_numbers(3500, 3400, 3300, 2000)[:15], -7, *report_numbers(0, 0, 0, 0)[16:]],
    ], when=dt.datetime(2022, 3, 5, 1, 0))
    assert run(settings, quiet()).exit_code == EXIT_OK
    # loaded as the files say
    assert query(settings, "SELECT new_f0, active_monitored FROM staging.cases WHERE commune_code = ?", [LIEN_BAO]) \
        == [(-3, -1250)]
    assert query(settings, "SELECT doses FROM raw.platform_daily WHERE vaccination_date = '2022-03-04'") == [(-1224,)]
    assert query(settings, "SELECT unvax_refused FROM staging.district_reports") == [(-7,)]
    flagged = query(settings, "SELECT severity, unit_code, ref_date, detail FROM checks.results "
                              "WHERE check_id = 'value_below_minimum' ORDER BY detail")
    assert flagged == [
        ("error", TICH_SON, D(2022, 3, 4),
         'Tệp "am.csv", dòng 3, cột F ("Số mũi"): -1.234 là số âm (số lượng không thể âm)'),
        ("error", LIEN_BAO, D(2022, 3, 4),
         'Tệp "ca_am.csv", dòng 3, cột C ("F0 mới"): -3 là số âm (số lượng không thể âm)'),
        ("error", LIEN_BAO, D(2022, 3, 4),
         'Tệp "ca_am.csv", dòng 3, cột K ("F0 được theo dõi sức khỏe"): -1.250 là số âm (số lượng không thể âm)'),
        ("error", DAO_TRU, D(2022, 3, 4),
         'Tệp "tam_dao.xlsx", trang "BC tiem chung", dòng 7, cột R ("Chưa tiêm - lý do › Không đồng ý (có cam kết)"): '
         '-7 là số âm (số lượng không thể âm)'),
    ]


# 2. Event dates after the run date: refused with file, row, column and reason

EVENT_CASES = [(name, fmt, c.name) for name, fmt in CASES for c in C.TABULAR_SOURCES[name].columns if c.event_date]


@pytest.mark.parametrize("name,fmt,column", EVENT_CASES, ids=[f"{n}{f}-{c}" for n, f, c in EVENT_CASES])
def test_an_event_date_after_the_run_date_refuses_the_file(loader, tmp_path, name, fmt, column):
    source = C.TABULAR_SOURCES[name]
    rows = [list(r) for r in SPECS[name].rows]
    position = [c.name for c in source.columns].index(column)
    rows[-1][position] = "06/03/2022 08:00" if source.column(column).kind == C.DATETIME else "06/03/2022"
    with pytest.raises(FileError) as refused:
        loader(write_source(tmp_path, name, fmt, rows), name)
    message = refused.value.message(f"tep{fmt}")
    assert f"dòng {first_row(name) + len(rows) - 1}, cột {where(source, column)}: ngày 06/03/2022 ở sau ngày chạy " \
           "(05/03/2022)" in message
    assert loader.con.execute(f"SELECT count(*) FROM raw.{'platform_daily' if name == 'platform' else name}"
                              ).fetchone() == (0,)


def test_a_case_row_dated_next_year_is_refused_not_spread_over_every_day_until_then(settings):
    base_inbox(settings.inbox)
    rows = [[TICH_SON, f"0{d}/03/2022", 1, 0, 1, 0, 0, 0, 0, 1, 1] for d in range(1, 5)]
    rows.append([LIEN_BAO, "21/01/2023", 2, 0, 2, 0, 0, 0, 0, 2, 2])
    write_csv(settings.inbox / "cases/tuan.csv", headers(C.CASES), rows, when=dt.datetime(2022, 3, 5, 1, 0))
    assert run(settings, quiet()).exit_code == EXIT_REJECTED
    assert 'Tệp "tuan.csv", dòng 6, cột B ("Ngày báo cáo"): ngày 21/01/2023 ở sau ngày chạy (05/03/2022)' \
        in refusal(settings)
    assert query(settings, "SELECT count(*) FROM staging.cases") == [(0,)]


def test_a_district_report_dated_after_the_run_date_is_refused_naming_the_title_cell(loader, tmp_path):
    path = district_report_xlsx(tmp_path / "bc.xlsx", "Huyện Tam Đảo", dt.date(2022, 3, 7),
                                SPECS["district_reports"].rows)
    with pytest.raises(FileError) as refused:
        loader(path, "district_reports")
    # the label on row 3, the date in the cell to its right
    assert refused.value.message("bc.xlsx").startswith(
        'Tệp "bc.xlsx", trang "BC tiem chung", dòng 3, cột B: ngày báo cáo 07/03/2022 ở sau ngày chạy (05/03/2022)')


# 3. Duplicates within one file: refused naming both rows and the key

@pytest.mark.parametrize("name,fmt", CASES, ids=[f"{n}{f}" for n, f in CASES])
def test_a_row_repeated_in_a_file_refuses_it_naming_both_rows(loader, tmp_path, name, fmt):
    rows = [list(r) for r in SPECS[name].rows]
    rows.append(list(rows[0]))
    with pytest.raises(FileError) as refused:
        loader(write_source(tmp_path, name, fmt, rows), name)
    first = first_row(name)
    assert f"dòng {first} và dòng {first + len(rows) - 1} trùng nhau: " in refused.value.reason
    source = C.TABULAR_SOURCES[name]
    assert all(f"cột {where(source, key)}" in refused.value.reason for key in source.row_key)
    assert loader.con.execute(f"SELECT count(*) FROM raw.{'platform_daily' if name == 'platform' else name}"
                              ).fetchone() == (0,)


@pytest.mark.parametrize("fmt", [".csv", ".xlsx"])
def test_an_exactly_repeated_platform_line_is_refused_not_summed(settings, fmt):
    base_inbox(settings.inbox)
    rows = [[TICH_SON, "04/03/2022", "18+", 1, "Pfizer", 10],
            [TICH_SON, "04/03/2022", "18+", 1, "Moderna", 3],
            [LIEN_BAO, "04/03/2022", "18+", 1, "Pfizer", 4],
            [TICH_SON, "04/03/2022", "18+", 1, "Pfizer", 10]]
    table_file(settings.inbox / f"platform/lap{fmt}", headers(C.PLATFORM), rows, when=dt.datetime(2022, 3, 5, 1))
    assert run(settings, quiet()).exit_code == EXIT_REJECTED
    sheet = ', trang "Sheet1"' if fmt == ".xlsx" else ""
    assert refusal(settings).startswith(
        f'Tệp "lap{fmt}"{sheet}: dòng 2 và dòng 5 trùng nhau: cột A ("Mã xã") Phường Tích Sơn (08707); '
        'cột B ("Ngày tiêm") 04/03/2022; cột C ("Nhóm tuổi") 18+; cột D ("Mũi") 1; cột E ("Vắc xin") Pfizer. '
        "Trong một tệp, mỗi Mã xã, Ngày tiêm, Nhóm tuổi, Mũi, Vắc xin chỉ có một dòng")
    assert query(settings, "SELECT count(*) FROM raw.platform_daily WHERE vaccination_date = '2022-03-04'") == [(0,)]


@pytest.mark.parametrize("fmt", [".csv", ".xlsx"])
def test_a_commune_reported_twice_for_a_day_with_different_figures_is_refused(loader, tmp_path, fmt):
    rows = [[TICH_SON, "04/03/2022", 3, 1, 10, 2, 1, 0, 0, 8, 9],
            [LIEN_BAO, "04/03/2022", 0, 0, 5, 0, 2, 1, 0, 5, 5],
            ["Phường Tích Sơn", "4/3/2022", 4, 1, 11, 2, 1, 0, 0, 8, 9],  # the same commune and day, written otherwise
            [LIEN_BAO, "03/03/2022", 0, 0, 5, 0, 2, 1, 0, 5, 5],
            [LIEN_BAO, "03/03/2022", 1, 0, 5, 0, 2, 1, 0, 5, 5],
            [LIEN_BAO, "03/03/2022", 2, 0, 5, 0, 2, 1, 0, 5, 5]]
    path = table_file(tmp_path / f"cases/ca{fmt}", headers(C.CASES), rows)
    with pytest.raises(FileError) as refused:
        loader(path, "cases")
    assert refused.value.reason.startswith(
        'dòng 2 và dòng 4 trùng nhau: cột A ("Mã xã") Phường Tích Sơn (08707); cột B ("Ngày báo cáo") 04/03/2022.')
    assert refused.value.details == [
        'dòng 5 và dòng 6 (và 1 dòng khác) trùng nhau: cột A ("Mã xã") Phường Liên Bảo (08710); '
        'cột B ("Ngày báo cáo") 03/03/2022']


def test_a_workbook_with_two_sheets_holding_the_table_is_refused_naming_them(settings):
    base_inbox(settings.inbox)
    header = headers(C.CASES)
    workbook_xlsx(settings.inbox / "cases/hai_trang.xlsx", {
        "Ngày 03": [header, [TICH_SON, "03/03/2022", 1, 0, 1, 0, 0, 0, 0, 1, 1]],
        "Ngày 04": [["BÁO CÁO CA BỆNH"], [], header, [TICH_SON, "04/03/2022", 2, 0, 3, 0, 0, 0, 0, 3, 3]],
    }, when=dt.datetime(2022, 3, 5, 1))
    assert run(settings, quiet()).exit_code == EXIT_REJECTED
    report = refusal(settings)
    assert report.startswith('Tệp "hai_trang.xlsx": bảng có cột "Mã xã" có ở 2 trang: "Ngày 03", "Ngày 04"; '
                             "một tệp chỉ được có một trang số liệu")
    assert '  - trang "Ngày 03": dòng tiêu đề 1\n  - trang "Ngày 04": dòng tiêu đề 3' in report


def test_the_table_is_read_from_the_sheet_that_holds_it(loader, tmp_path):
    path = workbook_xlsx(tmp_path / "ca.xlsx", {
        "Hướng dẫn": [["Điền số liệu vào trang Số liệu"], ["Mỗi xã một dòng mỗi ngày"]],
        "Số liệu": [headers(C.CASES), *SPECS["cases"].rows],
    })
    assert loader(path, "cases").rows == 2
    assert loader.con.execute("SELECT DISTINCT file_id FROM raw.cases").fetchall() == [("f1",)]


# 4. Forms as offices fill them

def _footer(*rows: list[object]):
    def edit(ws):
        for row in rows:
            ws.append(row)
    return edit


def test_notes_place_date_and_signatures_under_the_totals_row_are_not_data(settings):
    base_inbox(settings.inbox)
    path = district_report_xlsx(settings.inbox / "district_reports/tam_dao.xlsx", "Huyện Tam Đảo", "04/03/2022",
                                SPECS["district_reports"].rows, when=dt.datetime(2022, 3, 5, 1))
    edit_xlsx(path, _footer(
        [],
        ["", "Ghi chú: số liệu xã Đạo Trù đã rà soát lại ngày 03/03/2022"],
        ["", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "Tam Đảo, ngày 04 tháng 3 năm 2022"],
        ["", "Người lập biểu", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "Thủ trưởng đơn vị"],
        ["", "(ký, ghi rõ họ tên)"],
        ["", "Nguyễn Văn An", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "Trần Thị Bình"],
    ))
    assert run(settings, quiet()).exit_code == EXIT_OK
    for sql, expected in SPECS["district_reports"].checks:
        assert query(settings, sql) == expected


def test_a_footer_row_with_figures_is_refused_naming_it(loader, tmp_path):
    path = district_report_xlsx(tmp_path / "bc.xlsx", "Huyện Tam Đảo", "04/03/2022", SPECS["district_reports"].rows)
    # row 8 is the totals row; the commune added under it on row 10 would otherwise be lost
    edit_xlsx(path, _footer([], ["", "Xã Hồ Sơn", 2000, 100]))
    with pytest.raises(FileError) as refused:
        loader(path, "district_reports")
    assert refused.value.message("bc.xlsx").startswith(
        'Tệp "bc.xlsx", trang "BC tiem chung", dòng 10, cột C ("Dân số đầu kỳ › Từ 18 tuổi"): dòng này nằm dưới dòng '
        'tổng cộng (dòng 8) nhưng có số liệu "2000"')


def test_without_a_totals_row_the_trailing_rows_with_no_figure_are_the_footer(loader, tmp_path):
    rows = [[TICH_SON, "04/03/2022", 3, 1, 10, 2, 1, 0, 0, 8, 9],
            [LIEN_BAO, "04/03/2022", *[None] * 9]]  # a commune with no figure yet: still a row, blanks counted
    path = workbook_xlsx(tmp_path / "ca.xlsx", {"Sheet1": [
        headers(C.CASES), *rows, [],
        ["Người lập biểu", None, None, None, "Lãnh đạo Trung tâm"],
        ["(ký, ghi rõ họ tên)"], ["Nguyễn Văn An", None, None, None, "Trần Thị Bình"]]})
    assert loader(path, "cases").rows == 2
    assert loader.con.execute("SELECT commune_code, source_row, new_f0 FROM raw.cases ORDER BY source_row"
                              ).fetchall() == [(TICH_SON, 2, 3), (LIEN_BAO, 3, None)]


def test_a_signature_in_a_table_of_a_source_without_counts_needs_its_totals_row(loader, tmp_path):
    """Duty checks have no count column to tell a signature from a check: a row that names no commune is refused."""
    path = workbook_xlsx(tmp_path / "kt.xlsx", {"Sheet1": [
        headers(C.DUTY_CHECKS), [DAO_TRU, "04/03/2022 07:54", "Có", None], ["Người kiểm tra"]]})
    with pytest.raises(FileError) as refused:
        loader(path, "duty_checks")
    assert refused.value.message("kt.xlsx").startswith('Tệp "kt.xlsx", trang "Sheet1", dòng 3, cột A ("Mã xã"): '
                                                       'Không tìm thấy đơn vị "Người kiểm tra"')


@pytest.mark.parametrize("fmt", [".csv", ".xlsx"])
def test_the_district_column_tells_apart_communes_of_the_same_name(loader, tmp_path, fmt):
    header = [*headers(C.CASES), "Huyện"]
    rows = [["Xuân Hòa", "04/03/2022", 3, 0, 3, 0, 0, 0, 0, 3, 3, "Lập Thạch"],
            ["Xuân Hoà", "04/03/2022", 5, 0, 5, 0, 0, 0, 0, 5, 5, "TP. Phúc Yên"],
            ["Xuân Hòa", "03/03/2022", 1, 0, 1, 0, 0, 0, 0, 1, 1, "246"],
            [TICH_SON, "04/03/2022", 2, 0, 2, 0, 0, 0, 0, 2, 2, None]]  # a code needs no district
    loader(table_file(tmp_path / f"ca{fmt}", header, rows), "cases")
    assert loader.con.execute("SELECT commune_code, report_date, new_f0 FROM raw.cases ORDER BY source_row"
                              ).fetchall() == [(XUAN_HOA_LAP_THACH, D(2022, 3, 4), 3), (XUAN_HOA_PHUC_YEN, D(2022, 3, 4), 5),
                                               (XUAN_HOA_LAP_THACH, D(2022, 3, 3), 1), (TICH_SON, D(2022, 3, 4), 2)]


@pytest.mark.parametrize("fmt", [".csv", ".xlsx"])
def test_a_commune_not_in_the_district_its_row_names_is_refused(loader, tmp_path, fmt):
    header = [*headers(C.CASES), "Huyện"]
    rows = [["Xuân Hòa", "04/03/2022", 3, 0, 3, 0, 0, 0, 0, 3, 3, "Lập Thạch"],
            [TICH_SON, "04/03/2022", 2, 0, 2, 0, 0, 0, 0, 2, 2, "Tam Đảo"],
            ["Xuân Hòa", "04/03/2022", 3, 0, 3, 0, 0, 0, 0, 3, 3, "Huyện Tam Đảoo"]]
    with pytest.raises(FileError) as refused:
        loader(table_file(tmp_path / f"ca{fmt}", header, rows), "cases")
    message = refused.value.message(f"ca{fmt}")
    assert 'dòng 3, cột A ("Mã xã"): Không tìm thấy đơn vị "08707" trong huyện Tam Đảo, tỉnh Vĩnh Phúc. ' \
           "Mã 08707 là Phường Tích Sơn thuộc Thành phố Vĩnh Yên, Tỉnh Vĩnh Phúc." in message
    assert 'dòng 4, cột L ("Huyện"): Không tìm thấy đơn vị "Huyện Tam Đảoo"' in message


def test_without_the_district_column_a_shared_name_is_refused_as_ambiguous(loader, tmp_path):
    path = write_csv(tmp_path / "ca.csv", headers(C.CASES), [["Xuân Hòa", "04/03/2022", 3, 0, 3, 0, 0, 0, 0, 3, 3]])
    with pytest.raises(FileError) as refused:
        loader(path, "cases")
    assert 'Tên "Xuân Hòa" trùng 2 đơn vị' in refused.value.reason and "cho biết huyện" in refused.value.reason


def test_a_platform_export_by_commune_and_district_names(settings):
    """The contract's `Xã` + `Huyện` names of the platform export."""
    base_inbox(settings.inbox)
    write_csv(settings.inbox / "platform/ten.csv", ["Xã", "Huyện", "Ngày tiêm", "Nhóm tuổi", "Mũi", "Vắc xin", "Số mũi"], [
        ["Xuân Hòa", "Huyện Lập Thạch", "04/03/2022", "18+", 1, "Pfizer", 6],
        ["Phường Xuân Hoà", "Phúc Yên", "04/03/2022", "18+", 1, "Pfizer", 9],
    ], when=dt.datetime(2022, 3, 5, 1))
    assert run(settings, quiet()).exit_code == EXIT_OK
    assert query(settings, "SELECT commune_code, doses FROM raw.platform_daily WHERE vaccination_date = '2022-03-04' "
                           "ORDER BY commune_code") == [(XUAN_HOA_PHUC_YEN, 9), (XUAN_HOA_LAP_THACH, 6)]


def test_a_totals_line_of_a_csv_is_skipped_whatever_its_other_cells_hold(loader, tmp_path):
    rows = [*SPECS["cases"].rows, ["Tổng cộng", None, 3, 1, 15, 2, 3, 1, 0, 13, 14]]  # no date: not a row of data
    assert loader(write_csv(tmp_path / "ca.csv", headers(C.CASES), rows), "cases").rows == 2
