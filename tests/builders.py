"""Tiny hand-made inbox files for the ETL tests: every number in them is chosen so the tests can compute by hand."""
from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from etl import contracts as C

# Vĩnh Phúc (26): two communes of Thành phố Vĩnh Yên (243) and one of Huyện Tam Đảo (248)
TICH_SON, LIEN_BAO, DAO_TRU = "08707", "08710", "08914"


def touch(path: Path, when: dt.datetime) -> Path:
    """Set the file's modification time: it is the time the ETL takes as 'received'."""
    ts = when.timestamp()
    os.utime(path, (ts, ts))
    return path


def write_csv(path: Path, header: list[str], rows: list[list[object]], when: dt.datetime | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return touch(path, when or dt.datetime(2022, 3, 1, 8, 0))


def headers(source: C.Source) -> list[str]:
    return [c.header for c in source.columns]


def platform_csv(path: Path, rows: list[list[object]], when: dt.datetime | None = None) -> Path:
    """rows: [commune, 'dd/mm/yyyy', cohort, dose, product, doses]"""
    return write_csv(path, headers(C.PLATFORM), rows, when)


def population_csv(path: Path, rows: list[list[object]], when: dt.datetime | None = None) -> Path:
    """rows: [commune, 'đầu kỳ'|'hiện có', total, 18+, 12-17, 5-11, source]"""
    return write_csv(path, headers(C.POPULATION), rows, when)


def cases_csv(path: Path, rows: list[list[object]], when: dt.datetime | None = None) -> Path:
    """rows: [commune, date, new_f0, from_f1, home, facility, recovered, severe, deaths, antiviral, monitored]"""
    return write_csv(path, headers(C.CASES), rows, when)


def district_report_xlsx(path: Path, district_title: str, date_text: object, rows: list[list[object]],
                         when: dt.datetime | None = None, title_prefix: str = "Đơn vị: ",
                         date_prefix: str = "Số liệu đến ngày ", text_fn=lambda s: s) -> Path:
    """The biểu mẫu: title rows, a header over two rows with merged group cells, commune rows, a totals row.

    rows: [commune, then the 22 numbers in contract order]; text_fn encodes every text cell (legacy encodings).
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "BC tiem chung"
    ws.append([text_fn("BÁO CÁO KẾT QUẢ TIÊM VẮC XIN PHÒNG COVID-19")])
    ws.append([text_fn(title_prefix + district_title)])
    if isinstance(date_text, (dt.date, dt.datetime)):
        ws.append([text_fn(date_prefix.strip()), date_text])
    else:
        ws.append([text_fn(date_prefix + str(date_text))])
    ws.append([])
    columns = C.DISTRICT_REPORT.columns
    top, bottom = [text_fn("STT"), text_fn(columns[0].header)], ["", ""]
    for col in columns[1:]:
        group, label = col.header.split(" › ")
        top.append(text_fn(group))
        bottom.append(text_fn(label))
    ws.append(top)
    header_row = ws.max_row
    ws.append(bottom)
    ws.merge_cells(start_row=header_row, start_column=1, end_row=header_row + 1, end_column=1)
    ws.merge_cells(start_row=header_row, start_column=2, end_row=header_row + 1, end_column=2)
    start = 3
    while start <= len(top):
        end = start
        while end + 1 <= len(top) and top[end] == top[start - 1]:
            end += 1
        for c in range(start + 1, end + 1):
            ws.cell(header_row, c).value = None
        if end > start:
            ws.merge_cells(start_row=header_row, start_column=start, end_row=header_row, end_column=end)
        start = end + 1
    totals = [0] * 22
    for i, row in enumerate(rows, start=1):
        ws.append([i, text_fn(row[0]) if isinstance(row[0], str) else row[0], *row[1:]])
        for j, v in enumerate(row[1:]):
            if isinstance(v, int):
                totals[j] += v
    ws.append(["", text_fn("Tổng cộng"), *totals])
    for c in range(1, len(top) + 1):
        ws.column_dimensions[get_column_letter(c)].width = 12
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return touch(path, when or dt.datetime(2022, 3, 15, 17, 0))


def report_numbers(pop18: int, d18_1: int, d18_2: int, d18_3: int) -> list[object]:
    """A district-report row after the commune: the 22 numbers, 18+ figures chosen, the rest small and fixed."""
    return [pop18, 100, 120, pop18 + 10, 101, 121, d18_1, d18_2, d18_3, 0, 90, 80, 0, 0, 0,
            1, 2, 3, 4, 5, 6, 0]


def report_figures(**figures: object) -> list[object]:
    """A district-report row after the commune, each number named as in the contract (pop_start_18=7000, d18_1=6990,
    unvax_pregnant=None for a blank cell); any not named is 0."""
    names = [c.name for c in C.DISTRICT_REPORT.columns[1:]]
    unknown = set(figures) - set(names)
    if unknown:
        raise ValueError(f"not a district-report column: {sorted(unknown)}")
    return [figures.get(name, 0) for name in names]


def _xlsx_cell(value: object) -> object:
    """A 'dd/mm/yyyy' (or 'dd/mm/yyyy HH:MM') text becomes a date cell, as offices' workbooks hold dates."""
    if isinstance(value, str):
        for fmt in ("%d/%m/%Y", "%d/%m/%Y %H:%M"):
            try:
                return dt.datetime.strptime(value, fmt)
            except ValueError:
                continue
    return value


def workbook_xlsx(path: Path, sheets: dict[str, list[list[object]]], when: dt.datetime | None = None) -> Path:
    """A workbook of plain sheets, written cell for cell (first row of each list on row 1; dates as date cells)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append([_xlsx_cell(v) for v in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return touch(path, when or dt.datetime(2022, 3, 1, 8, 0))


def table_file(path: Path, header: list[str], rows: list[list[object]], when: dt.datetime | None = None) -> Path:
    """A plain table as CSV or as a one-sheet workbook, by the path's suffix: the header on line 1, rows below."""
    if path.suffix == ".xlsx":
        return workbook_xlsx(path, {"Sheet1": [header, *rows]}, when)
    return write_csv(path, header, rows, when)


def edit_xlsx(path: Path, edit) -> Path:
    """Apply edit(worksheet) to the first sheet of a workbook and save it, keeping its time received."""
    when = path.stat().st_mtime
    wb = openpyxl.load_workbook(path)
    edit(wb.worksheets[0])
    wb.save(path)
    os.utime(path, (when, when))
    return path


def run_and_open(settings):
    """Run the pipeline on the settings' inbox (it must publish: else the run's last lines say why) and open the
    snapshot it published, read-only."""
    import duckdb

    from etl import snapshots as S
    from etl.pipeline import EXIT_OK, Progress, run

    lines: list[str] = []
    assert run(settings, Progress(sink=lines.append)).exit_code == EXIT_OK, "\n".join(lines[-20:])
    return duckdb.connect(str(S.current_snapshot(settings)), read_only=True)


def flagged(con, check_id: str) -> list[tuple]:
    """The rows a data check flagged: (unit_code, ref_date, detail), in order."""
    return con.execute("SELECT unit_code, ref_date, detail FROM checks.results WHERE check_id = ? "
                       "ORDER BY unit_code, ref_date, detail", [check_id]).fetchall()
