"""A saved allocation decision (app.state_decisions.Decision) as the annex a provincial decision carries, and the pin
that keeps its snapshot.

annex_xlsx() writes the annex in the form a Sở Y tế decision's annex takes: the title lines ("PHỤ LỤC", what is
allocated, "(Kèm theo Quyết định số …/QĐ-SYT ngày … của Sở Y tế tỉnh …)" with the number and date left blank for the
office that signs it), the table (STT, district, vaccine, lot, expiry, vials, doses, cohorts), a subtotal per vaccine
when there are several and the total, then a line saying where the figures come from (snapshot, as-of date, who saved
it and when). Dates are Excel dates shown dd/mm/yyyy; numbers stay numbers in the format #,##0, which Excel shows with
the separator of the computer's locale (a dot in a Vietnamese one), as every Excel download of the dashboard does
(app.widgets.excel_bytes): a number written as text "1.234" could not be summed.
"""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from app import formatting as F
from app.state_decisions import Decision
from etl import snapshots
from etl.settings import Settings

HEADERS = ["STT", "Huyện/thành phố", "Vắc xin", "Số lô", "Hạn dùng", "Số lọ", "Số liều", "Đối tượng"]
TITLE = "PHỤ LỤC"
SUBTITLE = "PHÂN BỔ VẮC XIN PHÒNG COVID-19 CHO CÁC HUYỆN, THÀNH PHỐ"
HEADER_ROW = 5
INTEGER, DATE = "#,##0", "dd/mm/yyyy"
FONT = "Times New Roman"  # the typeface of Vietnamese administrative documents
WIDTH_MIN, WIDTH_MAX = {"STT": 5, "Đối tượng": 24}, {"Huyện/thành phố": 30, "Đối tượng": 48}
_THIN = Side(style="thin")
BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def authority(province_name: str) -> str:
    """"tỉnh Vĩnh Phúc" / "thành phố Hà Nội" as the running text names a province ("Vĩnh Phúc" alone → "tỉnh …")."""
    name = " ".join(str(province_name or "").split())
    for prefix in ("Tỉnh ", "Thành phố ", "tỉnh ", "thành phố "):
        if name.startswith(prefix):
            return prefix.lower() + name[len(prefix):]
    return f"tỉnh {name}"


def title_lines(province_name: str) -> list[str]:
    return [TITLE, SUBTITLE,
            f"(Kèm theo Quyết định số ......../QĐ-SYT ngày ....../....../20...... của Sở Y tế {authority(province_name)})"]


def footer(decision: Decision) -> str:
    return (f"Số liệu: bản dữ liệu {decision.snapshot}, số liệu đến ngày {F.date(decision.as_of)}. Quyết định phân bổ "
            f"số {decision.id} trên hệ thống, lưu bởi {decision.full_name} ({decision.login}) lúc "
            f"{decision.saved_at.strftime('%H:%M')} ngày {F.date(decision.saved_at)}.")


def table_rows(decision: Decision) -> list[list[object]]:
    """The annex's rows (STT … Đối tượng), in district order, then expiry; a subtotal per vaccine when there are
    several ("Cộng <vắc xin>"), then "Tổng cộng"."""
    rows = decision.rows.sort_values(["district", "expiry", "lot"], na_position="last")
    out: list[list[object]] = [[i, r.district_name, r.product, r.lot, r.expiry, int(r.vials), int(r.doses),
                                r.cohort or ""] for i, r in enumerate(rows.itertuples(), start=1)]
    products = sorted(rows["product"].unique())
    if len(products) > 1:
        for product in products:
            part = rows[rows["product"] == product]
            out.append([None, f"Cộng {product}", None, None, None, int(part["vials"].sum()), int(part["doses"].sum()),
                        None])
    out.append([None, "Tổng cộng", None, None, None, int(rows["vials"].sum()), int(rows["doses"].sum()), None])
    return out


def annex_xlsx(decision: Decision, province_name: str) -> bytes:
    """The decision's annex as an Excel workbook (one sheet, "Phụ lục"), ready to print on A4 landscape."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    last = get_column_letter(len(HEADERS))
    for i, text in enumerate(title_lines(province_name), start=1):
        ws.cell(row=i, column=1, value=text).font = Font(name=FONT, size=13, bold=i < 3, italic=i == 3)
        ws.cell(row=i, column=1).alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.merge_cells(f"A{i}:{last}{i}")
    for col, text in enumerate(HEADERS, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=text)
        cell.font = Font(name=FONT, size=12, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BOX
    body = table_rows(decision)
    for offset, values in enumerate(body, start=1):
        row = HEADER_ROW + offset
        total = values[0] is None
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            cell.font = Font(name=FONT, size=12, bold=total)
            cell.border = BOX
            cell.alignment = Alignment(vertical="center", wrap_text=col in (2, 8),
                                       horizontal="center" if col in (1, 4, 5) else None)
            if col == 5 and value is not None:
                cell.number_format = DATE
            elif col in (1, 6, 7) and value is not None:
                cell.number_format = INTEGER
        if total:
            ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=5)
    end = HEADER_ROW + len(body)
    notes = [footer(decision)] + ([f"Ghi chú: {decision.note}"] if decision.note else [])
    for i, text in enumerate(notes, start=end + 2):
        ws.cell(row=i, column=1, value=text).font = Font(name=FONT, size=11, italic=True)
        ws.cell(row=i, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(f"A{i}:{last}{i}")
        ws.row_dimensions[i].height = 32
    ws.row_dimensions[3].height = 34
    for col, width in enumerate(widths(body), start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def widths(body: list[list[object]]) -> list[float]:
    """Each column as wide as its widest text as shown (numbers with their separators, dates dd/mm/yyyy) plus room,
    within WIDTH_MIN and WIDTH_MAX (a longer district name or cohort text wraps)."""
    out = []
    for col, header in enumerate(HEADERS):
        shown = [_shown(row[col]) for row in body if not (row[0] is None and col == 1)]
        longest = max([len(header), *map(len, shown)])
        out.append(float(min(max(longest + 2, WIDTH_MIN.get(header, 8)), WIDTH_MAX.get(header, 40))))
    return out


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return F.date(value)
    if isinstance(value, int):
        return F.num(value)
    return str(value)


def file_name(decision: Decision) -> str:
    """phu_luc_phan_bo_vac_xin_so_<N>_<yyyymmdd>.xlsx (the date the decision was saved)."""
    return f"phu_luc_phan_bo_vac_xin_so_{decision.id}_{decision.saved_at:%Y%m%d}.xlsx"


def pin_label(decision: Decision) -> str:
    return f"Quyết định phân bổ vắc xin số {decision.id}, {F.date(decision.saved_at)}"


def pin_decision_snapshot(settings: Settings, decision: Decision) -> str:
    """Pin the snapshot the decision was solved on (etl.snapshots.pin), so that retention never deletes it; the label
    names the decision, after the labels of earlier pins of the same snapshot. Returns the snapshot's label. Raises
    FileNotFoundError when the snapshot is no longer on disk."""
    label = pin_label(decision)
    earlier = snapshots.pins(settings).get(decision.snapshot)
    kept = label if not earlier else earlier if label in earlier.split("; ") else f"{earlier}; {label}"
    snapshots.pin(settings, decision.snapshot, kept)
    return kept
