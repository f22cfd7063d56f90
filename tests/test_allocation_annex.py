"""The Excel annex of an allocation decision (app/allocation_annex.py), read back with openpyxl: the title lines of a
provincial decision's annex, the table with real dates and numbers in Vietnamese formats, the subtotals and total
computed by hand, column widths that fit, and the line saying where the figures come from."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest
from argon2 import PasswordHasher

from app import allocation_annex as X
from app.state import State
from app.state_decisions import ROW_COLUMNS

SAVED_AT = dt.datetime(2022, 3, 10, 16, 5)
VY, TD = "243", "248"
P1_TEXT = "18 tuổi trở lên mũi 3; 12–17 tuổi mũi 2"


@pytest.fixture
def decision(tmp_path):
    db = State(tmp_path / "state.sqlite3", clock=lambda: SAVED_AT,
               hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    db.create_account("cdc", "Trần Thị Bình", "health", password="mat-khau-rat-dai-2022", chosen=True)
    rows = pd.DataFrame([
        (VY, "Thành phố Vĩnh Yên", "Pfizer", "P1", dt.date(2022, 12, 31), 6, 200, 1200, P1_TEXT),
        (VY, "Thành phố Vĩnh Yên", "AstraZeneca", "A1", dt.date(2022, 6, 30), 10, 30, 300, "18 tuổi trở lên mũi 2, 3"),
        (TD, "Huyện Tam Đảo", "Pfizer", "P3", dt.date(2022, 9, 30), 6, 12, 72, "12–17 tuổi mũi 1"),
    ], columns=ROW_COLUMNS)
    number = db.decision_save(login="cdc", address=None, province_code="26", snapshot="2022-03-10T220000_0.duckdb",
                              as_of=dt.date(2022, 3, 9), settings_json={}, proposal=rows, rows=rows, summary={},
                              note="Đợt 5, ưu tiên mũi 3")
    return db.decision(number)


def sheet(decision, province="Tỉnh Vĩnh Phúc"):
    return openpyxl.load_workbook(io.BytesIO(X.annex_xlsx(decision, province))).active


def test_the_title_lines_of_a_decision_annex_with_blanks_to_fill(decision):
    ws = sheet(decision)
    assert ws.title == "Phụ lục"
    assert [ws.cell(row=r, column=1).value for r in (1, 2, 3)] == [
        "PHỤ LỤC", "PHÂN BỔ VẮC XIN PHÒNG COVID-19 CHO CÁC HUYỆN, THÀNH PHỐ",
        "(Kèm theo Quyết định số ......../QĐ-SYT ngày ....../....../20...... của Sở Y tế tỉnh Vĩnh Phúc)"]
    assert {"A1:H1", "A2:H2", "A3:H3"} <= {str(r) for r in ws.merged_cells.ranges}
    assert ws["A1"].font.bold and ws["A3"].font.italic and ws["A1"].alignment.horizontal == "center"
    assert [c.value for c in ws[5]] == ["STT", "Huyện/thành phố", "Vắc xin", "Số lô", "Hạn dùng", "Số lọ", "Số liều",
                                        "Đối tượng"]
    assert ws.freeze_panes == "A6" and ws.print_title_rows == "$5:$5" and ws.page_setup.orientation == "landscape"


def test_the_province_is_named_as_running_text_names_it():
    assert X.authority("Tỉnh Vĩnh Phúc") == "tỉnh Vĩnh Phúc"
    assert X.authority("Thành phố Hà Nội") == "thành phố Hà Nội"
    assert X.authority("Quảng Ninh") == "tỉnh Quảng Ninh"


def test_the_table_keeps_dates_and_numbers_with_subtotals_and_total_by_hand(decision):
    ws = sheet(decision)
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=6, max_row=11)]
    # district then expiry: Vĩnh Yên's A1 (30/06) before P1 (31/12), then Tam Đảo's P3. AstraZeneca: 30 vials, 300
    # doses; Pfizer 200 + 12 = 212 vials, 1.200 + 72 = 1.272 doses; in all 242 vials, 1.572 doses.
    assert body == [
        [1, "Thành phố Vĩnh Yên", "AstraZeneca", "A1", dt.datetime(2022, 6, 30), 30, 300, "18 tuổi trở lên mũi 2, 3"],
        [2, "Thành phố Vĩnh Yên", "Pfizer", "P1", dt.datetime(2022, 12, 31), 200, 1200, P1_TEXT],
        [3, "Huyện Tam Đảo", "Pfizer", "P3", dt.datetime(2022, 9, 30), 12, 72, "12–17 tuổi mũi 1"],
        [None, "Cộng AstraZeneca", None, None, None, 30, 300, None],
        [None, "Cộng Pfizer", None, None, None, 212, 1272, None],
        [None, "Tổng cộng", None, None, None, 242, 1572, None]]
    assert ws.max_row == 14  # a blank row, the source line and the note after the total
    for row in range(6, 9):
        assert ws.cell(row=row, column=5).number_format == "dd/mm/yyyy"
        assert ws.cell(row=row, column=5).is_date
    for row in range(6, 12):
        assert ws.cell(row=row, column=6).number_format == "#,##0" == ws.cell(row=row, column=7).number_format
    assert ws["B11"].font.bold and "B11:E11" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A6"].border.left.style == "thin" and ws["H11"].border.bottom.style == "thin"


def test_one_vaccine_has_no_subtotal(decision):
    only = decision.rows[decision.rows["product"] == "Pfizer"]
    ws = sheet(type(decision)(**{**vars(decision), "rows": only}))
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=8, max_row=8)] == [
        [None, "Tổng cộng", None, None, None, 212, 1272, None]]


def test_column_widths_fit_their_text(decision):
    ws = sheet(decision)
    width = {col: ws.column_dimensions[col].width for col in "ABCDEFGH"}
    # "Thành phố Vĩnh Yên" 18 characters + 2; "AstraZeneca" and "Cộng AstraZeneca" (a merged label, not counted) 11 + 2;
    # "30/06/2022" 10 + 2; "Số liều" and "1.572" → 7 + 2; the cohorts' longest text, 39 characters, + 2
    assert width == {"A": 5, "B": 20, "C": 13, "D": 8, "E": 12, "F": 8, "G": 9, "H": len(P1_TEXT) + 2}
    assert ws["H6"].alignment.wrap_text and ws["B6"].alignment.wrap_text


def test_the_source_line_and_the_note(decision):
    ws = sheet(decision)
    assert ws["A13"].value == ("Số liệu: bản dữ liệu 2022-03-10T220000_0.duckdb, số liệu đến ngày 09/03/2022. "
                               "Quyết định phân bổ số 1 trên hệ thống, lưu bởi Trần Thị Bình (cdc) lúc 16:05 ngày "
                               "10/03/2022.")
    assert ws["A14"].value == "Ghi chú: Đợt 5, ưu tiên mũi 3"
    assert X.file_name(decision) == "phu_luc_phan_bo_vac_xin_so_1_20220310.xlsx"
