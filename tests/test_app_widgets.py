"""Formatting, charts and the Excel twin of every table: pure functions, checked by hand."""
import datetime as dt
import io

import openpyxl
import pandas as pd

from app import formatting as F
from app import widgets as W


def test_vietnamese_numbers_dates_and_signs():
    assert F.num(1151154) == "1.151.154" and F.num(pd.NA) == "–" and F.num(None) == "–"
    assert F.pct(99.8234) == "99,82%" and F.pct(float("nan")) == "–"
    assert F.date(pd.Timestamp("2022-03-15")) == "15/03/2022" and F.date(pd.NaT) == "–"
    assert F.signed(0.523) == "+0,52" and F.signed(-3, 0) == "-3" and F.signed(0) == "±0,00"
    assert F.age(dt.datetime(2022, 3, 13, 9, 0), now=dt.datetime(2022, 3, 15, 11, 30)) == "2 ngày 2 giờ"
    assert F.age(dt.datetime(2022, 3, 15, 11, 0), now=dt.datetime(2022, 3, 15, 11, 30)) == "30 phút"


def test_headline_in_the_committee_form():
    rows = pd.DataFrame({"cohort": ["18+", "18+", "18+", "12-17", "12-17", "5-11", "5-11"],
                         "dose": [1, 2, 3, 1, 2, 1, 2],
                         "people": [827427, 813087, 689246, 96086, 92420, 0, 0],
                         "coverage_pct": [99.82, 98.09, 83.15, 98.55, 94.79, 0.0, 0.0]})
    assert F.headline(rows) == ("18+ mũi 1 99,82%, mũi 2 98,09%, mũi 3 83,15%; 12–17 mũi 1 98,55%, mũi 2 94,79%; "
                                "5–11 chưa tiêm")


def test_over_100_names_the_denominator_that_passes_100():
    rows = pd.DataFrame({"unit_name": ["Huyện A", "Huyện B"], "coverage_pct": [100.39, 99.8],
                         "coverage_pct_other": [96.96, 102.26]})
    text = F.over_100_text(rows, "start")
    assert "Huyện A (100,39% theo dân số đầu kỳ)" in text and "Huyện B (102,26% theo dân số hiện có)" in text


def test_late_reports_are_grouped_by_status():
    late = pd.DataFrame({"short_name": ["Tam Đảo", "Vĩnh Tường"], "status": ["missing", "late"],
                         "days_late": [None, 3], "due_date": [pd.Timestamp("2022-03-07")] * 2})
    assert F.late_reports_text(late) == ("Báo cáo tuần của huyện, hạn 07/03/2022 — chưa nộp (1): Tam Đảo; "
                                         "nộp muộn: Vĩnh Tường (3 ngày)")


def test_excel_twin_keeps_numbers_dates_headers_and_the_note():
    frame = pd.DataFrame({"unit_name": ["Phường Tích Sơn"], "people": [7100], "pct": [101.43], "over": [True],
                          "day": [pd.Timestamp("2022-03-10")]})
    cols = {"unit_name": W.Col("Đơn vị"), "people": W.Col("Người đã tiêm", "int"),
            "pct": W.Col("Tỷ lệ", "pct", bar="Mức"), "over": W.Col("Cần rà soát", "flag", flag_text="trên 100%"),
            "day": W.Col("Ngày", "date")}
    book = openpyxl.load_workbook(io.BytesIO(W.excel_bytes(frame, cols, note="Nguồn: nền tảng")))
    ws = book.active
    assert ws["A1"].value == "Nguồn: nền tảng"
    assert [c.value for c in ws[3]] == ["Đơn vị", "Người đã tiêm", "Tỷ lệ", "Cần rà soát", "Ngày"]  # no bar column
    row = [c for c in ws[4]]
    assert row[1].value == 7100 and row[1].number_format == "#,##0"
    assert row[2].value == 101.43 and row[3].value == "trên 100%"
    assert row[4].value.date() == dt.date(2022, 3, 10) and row[4].number_format == "dd/mm/yyyy"


def test_detail_columns_go_to_the_excel_file_only():
    frame = pd.DataFrame({"name": ["Bệnh viện A"], "load": [120.0], "staff": [12]})
    cols = {"name": W.Col("Cơ sở"), "load": W.Col("So với định mức", "pct", bar="Mức tải"),
            "staff": W.Col("Nhân viên trực", "int", screen=False)}
    assert list(W._shown(frame, cols, bars=True).columns) == ["Cơ sở", "So với định mức", "Mức tải"]
    book = openpyxl.load_workbook(io.BytesIO(W.excel_bytes(frame, cols)))
    assert [c.value for c in book.active[1]] == ["Cơ sở", "So với định mức", "Nhân viên trực"]


def test_a_rise_in_f0_is_red_and_a_fall_green_in_the_table():
    frame = pd.DataFrame({"name": ["Huyện A", "Huyện B", "Huyện C"], "direction": ["up", "down", "flat"]})
    cols = {"name": W.Col("Đơn vị"), "direction": W.Col("Xu hướng", words=F.TREND_ARROW, colours=F.TREND_COLOURS)}
    shown = W._shown(frame, cols, bars=True)
    assert list(shown["Xu hướng"]) == ["▲ tăng", "▼ giảm", "► đi ngang"]
    styler = W.styled(shown, cols, {})
    styler._compute()
    # ctx: (row, column) -> css of that cell
    assert styler.ctx[(0, 1)] == [("color", "#d55e00"), ("font-weight", "600")]
    assert styler.ctx[(1, 1)] == [("color", "#009e73"), ("font-weight", "600")]
    assert not styler.ctx.get((2, 1)) and not styler.ctx.get((0, 0))


def test_an_extract_says_how_much_of_the_whole_it_shows():
    """Seven lot × store rows at risk, 127.067 doses in all; the overview shows the first five (12.000 + 11.000 +
    10.000 + 9.000 + 8.448 = 50.448 doses), and says so beside the total of all seven (50.448 + 40.000 + 36.619)."""
    lots = pd.DataFrame({"lot": list("ABCDEFG"),
                         "doses_at_risk": [12000, 11000, 10000, 9000, 8448, 40000, 36619]})
    extract = W.Extract("dòng (lô × kho)", "xếp theo hạn dùng, sớm nhất trước", ("doses_at_risk", "liều có nguy cơ hủy"))
    assert W.extract_caption(lots, extract) == ("5 dòng (lô × kho) trên 7, xếp theo hạn dùng, sớm nhất trước; 50.448 "
                                                "trên tổng 127.067 liều có nguy cơ hủy.")
    assert W.extract_caption(lots, W.Extract("dòng", "xếp theo hạn", limit=3)) == "3 dòng trên 7, xếp theo hạn."
    # the rows a filter kept, of the whole: 12.000 + 10.000 of 127.067
    kept = W.Extract("dòng (lô × kho)", "chỉ các lô có nguy cơ", ("doses_at_risk", "liều"), whole=lots)
    assert W.extract_caption(lots.iloc[[0, 2]], kept) == ("2 dòng (lô × kho) trên 7, chỉ các lô có nguy cơ; 22.000 "
                                                          "trên tổng 127.067 liều.")
    # every row fits: said too, so that a short table never reads as a cut one
    assert W.extract_caption(lots.head(2), extract) == "Cả 2 dòng (lô × kho); tổng 23.000 liều có nguy cơ hủy."


def test_a_table_too_long_for_the_screen_shows_its_first_rows_and_says_so():
    """pandas' Styler refuses more cells than styler.render.max_elements: the data-quality page failed on the national
    warehouse's ledger (190.000 rows). The screen shows the first rows, under a caption; the Excel file has them all."""
    from streamlit.testing.v1 import AppTest

    def script():
        import pandas as pd

        from app import widgets as W

        shown, W.LONG_TABLE_ROWS = W.LONG_TABLE_ROWS, 25
        try:
            with pd.option_context("styler.render.max_elements", 100):  # 60 rows × 2 columns = 120 cells
                W.table(pd.DataFrame({"unit_code": [f"{i:05d}" for i in range(60)], "people": range(60)}),
                        {"unit_code": W.Col("Mã"), "people": W.Col("Số người", "int")}, key="long", file_name="long")
        finally:
            W.LONG_TABLE_ROWS = shown

    at = AppTest.from_function(script).run()
    assert not at.exception, [e.message for e in at.exception]
    assert [c.value for c in at.caption] == ["25 dòng trên 60, các dòng đầu theo thứ tự của bảng; tệp Excel có mọi dòng."]
    assert at.dataframe[0].value["Số người"].tolist() == list(range(25))
