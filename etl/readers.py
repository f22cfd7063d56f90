"""Read one inbox file into a table of text cells named by contract column, before any typing.

What it handles: title rows above the table, headers spread over several rows with merged cells, a row of
column numbers under the header, totals rows, blank rows, a form's footer (notes, place and date, signatures),
the sheet holding the table wherever it is in the workbook, CSV in UTF-8 or a legacy single-byte encoding.
What it refuses (FileError): a file that cannot be opened, no sheet or several sheets holding the table, a missing
column, a footer row holding a figure.
Typing and unit matching happen in etl.convert, on distinct values, so large exports stay fast.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from etl.contracts import INT, TOTAL_ROW_KEYS, Column, Source
from etl.textnorm import norm_key as _norm_key
from etl.vnencoding import fix_column, fix_text

HEADER_SEARCH_ROWS = 30
# Headers, labels and title cells repeat from file to file (a national inbox holds a workbook per district and week)
norm_key = functools.lru_cache(maxsize=1 << 16)(_norm_key)
SEP = " › "


class FileError(Exception):
    """A file the ETL refuses. Carries where the problem is, for the quarantine report."""

    def __init__(self, reason: str, *, sheet: str | None = None, row: int | None = None,
                 column: str | None = None, details: list[str] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.sheet = sheet
        self.row = row
        self.column = column
        self.details = details or []

    def where(self) -> str:
        parts = []
        if self.sheet:
            parts.append(f'trang "{self.sheet}"')
        if self.row:
            parts.append(f"dòng {self.row}")
        if self.column:
            parts.append(f"cột {self.column}")
        return ", ".join(parts)

    def message(self, file_name: str) -> str:
        where = self.where()
        head = f'Tệp "{file_name}"' + (f", {where}" if where else "") + f": {self.reason}"
        return "\n".join([head, *(f"  - {d}" for d in self.details)])


@dataclass
class RawTable:
    """Text cells of one file: columns named by contract column, plus _row (the row number in the file)."""

    frame: dict[str, list] | None         # small files (xlsx): each column's cells, by column name
    relation_sql: str | None              # large files: a DuckDB SELECT yielding the same columns
    sheet: str | None
    headers: dict[str, tuple[str, str]]   # column name -> (column letter, header as written)
    title_cells: list[tuple[int, list[object]]] = field(default_factory=list)  # rows above the header
    legacy_cells: int = 0                 # cells converted from TCVN3/VNI


def col_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@functools.lru_cache(maxsize=32)
def _alias_index(source: Source) -> dict[str, Column]:
    index: dict[str, Column] = {}
    for column in source.readable_columns:
        for alias in column.aliases:
            index.setdefault(norm_key(alias), column)
    return index


def _match_headers(source: Source, names: list[str], sheet: str | None, header_row: int | None
                   ) -> dict[str, tuple[int, str]]:
    """Map contract columns to positions; refuse when a required one is missing."""
    index = _alias_index(source)
    found: dict[str, tuple[int, str]] = {}
    for pos, name in enumerate(names):
        if not name:
            continue
        candidates = [name]
        if SEP in name:  # a group label over a single column: also try the lowest label alone
            candidates.append(name.split(SEP)[-1])
        for cand in candidates:
            column = index.get(norm_key(cand))
            if column is not None and column.name not in found:
                found[column.name] = (pos, name)
                break
    missing = [c for c in source.columns if c.required and c.name not in found]
    if missing:
        raise FileError(
            "thiếu cột bắt buộc: " + "; ".join(f'"{c.header}"' for c in missing),
            sheet=sheet, row=header_row,
            details=["Các cột đọc được: " + "; ".join(f'"{n}"' for n in names if n)],
        )
    return found


def _cell_text(value: object) -> str | None:
    """Excel cell -> text, keeping what the contract parsers expect (ISO dates, integers without '.0')."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value).strip()
    return text or None


def _is_number_row(values: list[str | None]) -> bool:
    """The '(1) (2) (3)…' row many forms put under the header."""
    cells = [v.strip("() ") for v in values if v]
    return bool(cells) and all(c.isdigit() for c in cells) and len(cells) >= 3 and cells[:3] == ["1", "2", "3"]


def _sheet_cells(sheet) -> tuple[list[list[str | None]], int]:
    """Text of every cell of a sheet (every cell of a merged range reads as its top-left cell), legacy encodings
    converted; and how many were. Row i of the result is row i + 1 of the sheet, whatever blank rows lead it."""
    values = [list(row) for row in sheet.to_python(skip_empty_area=False)]
    for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or ():
        top_left = values[r0][c0] if r0 < len(values) and c0 < len(values[r0]) else None
        for r in range(r0, min(r1, len(values) - 1) + 1):
            row = values[r]
            row.extend([None] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if c != c0 or r != r0:
                    row[c] = top_left
    rows: list[list[str | None]] = []
    typed_text: list[tuple[int, int]] = []  # cells typed as text, where a legacy encoding can hide
    for r_idx, row in enumerate(values):
        out = []
        for c_idx, value in enumerate(row):
            text = _cell_text(value)
            if text is not None and isinstance(value, str):
                typed_text.append((r_idx, c_idx))
            out.append(text)
        rows.append(out)
    # One file is typed in one encoding: decide on all its text cells together, since a short
    # TCVN3 word can also read as Unicode ("Mòi" is TCVN3 for "Mũi").
    originals = [rows[r][c] for r, c in typed_text]
    fixed = fix_column(originals)
    legacy = 0
    for (r, c), before, after in zip(typed_text, originals, fixed):
        if after != before:
            legacy += 1
            rows[r][c] = after
    return rows, legacy


def _header_index(rows: list[list[str | None]], anchor_keys: set[str]) -> int | None:
    return next(
        (i for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]) if any(norm_key(v) in anchor_keys for v in row if v)),
        None,
    )


def read_xlsx(path: Path, source: Source) -> RawTable:
    # calamine (Rust) reads a workbook about ten times faster than openpyxl, merged ranges included
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        sheets = [(name, wb.get_sheet_by_name(name)) for name in wb.sheet_names]
    except Exception as exc:  # calamine raises several types for a broken file
        raise FileError(f"không mở được tệp Excel ({type(exc).__name__}: {exc})") from exc
    anchor_keys = {norm_key(a) for a in source.anchor.aliases}
    # Every sheet is looked at: a second table of the source (a copy, last month's figures) must not be ignored.
    tables = []
    for name, sheet in sheets:
        rows, legacy = _sheet_cells(sheet)
        header_idx = _header_index(rows, anchor_keys)
        if header_idx is not None:
            tables.append((name, rows, legacy, header_idx))
    if not tables:
        only = sheets[0][0] if len(sheets) == 1 else None
        raise FileError(
            f'không tìm thấy dòng tiêu đề bảng (cột "{source.anchor.header}") trong {HEADER_SEARCH_ROWS} dòng đầu'
            + ("" if only else " của trang nào"),
            sheet=only,
        )
    if len(tables) > 1:
        raise FileError(
            f'bảng có cột "{source.anchor.header}" có ở {len(tables)} trang: '
            + ", ".join(f'"{t[0]}"' for t in tables)
            + "; một tệp chỉ được có một trang số liệu (xóa hoặc chuyển các trang thừa sang tệp khác)",
            details=[f'trang "{title}": dòng tiêu đề {idx + 1}' for title, _, _, idx in tables],
        )
    sheet, rows, legacy, header_idx = tables[0]
    anchor_col = next(i for i, v in enumerate(rows[header_idx]) if v and norm_key(v) in anchor_keys)
    header_rows = [rows[header_idx]]
    body_start = header_idx + 1
    while body_start < len(rows):
        row = rows[body_start]
        anchor_value = row[anchor_col] if anchor_col < len(row) else None
        if anchor_value is not None and norm_key(anchor_value) in anchor_keys:
            header_rows.append(row)  # a vertically merged anchor: still inside the header
        elif anchor_value is None and any(row) and not any(_looks_numeric(v) for v in row if v):
            header_rows.append(row)
        elif _is_number_row(row):
            pass
        else:
            break
        body_start += 1
    width = max(len(r) for r in rows)
    names = []
    for c in range(width):
        parts: list[str] = []
        for hr in header_rows:
            v = hr[c] if c < len(hr) else None
            if v and (not parts or parts[-1] != v):
                parts.append(v)
        names.append(SEP.join(parts))
    found = _match_headers(source, names, sheet, header_idx + 1)
    counts = [(pos, header) for name, (pos, header) in found.items() if source.column(name).kind == INT]

    def first_number(row: list[str | None]) -> tuple[int, str] | None:
        return next(((pos, header) for pos, header in counts
                     if pos < len(row) and row[pos] and _looks_numeric(row[pos])), None)

    body: list[int] = []
    last_total = None
    for r in range(body_start, len(rows)):
        row = rows[r]
        if not any(row):
            continue
        first_cells = [norm_key(v) for v in row[: max(anchor_col + 1, 3)] if v]
        if any(k in TOTAL_ROW_KEYS for k in first_cells):
            last_total = r
            continue
        body.append(r)
    trailing: set[int] = set()
    if last_total is not None:
        # Under the (last) totals row is the form's footer: notes, place and date, signatures.
        for r in (r for r in body if r > last_total):
            hit = first_number(rows[r])
            if hit is not None:
                raise FileError(
                    f'dòng này nằm dưới dòng tổng cộng (dòng {last_total + 1}) nhưng có số liệu "{rows[r][hit[0]]}": '
                    "phần dưới dòng tổng cộng chỉ dành cho ghi chú, ngày tháng và chữ ký; "
                    "hãy đưa số liệu lên trên dòng tổng cộng",
                    sheet=sheet, row=r + 1, column=f'{col_letter(hit[0])} ("{hit[1]}")',
                )
        body = [r for r in body if r < last_total]
    elif counts:
        # Without a totals row, the rows after the last one with a figure may be the footer; etl.convert keeps
        # those whose first column still names a unit (a commune left blank), and drops the rest.
        last_number = max((r for r in body if first_number(rows[r]) is not None), default=None)
        trailing = {r for r in body if last_number is None or r > last_number}
    data: dict[str, list[str | None]] = {name: [] for name in found}
    for r in body:
        row = rows[r]
        for name, (pos, _) in found.items():
            data[name].append(row[pos] if pos < len(row) else None)
    # Plain lists: a pandas frame cost more than reading the workbook (a national inbox holds a report workbook per
    # district and week), and etl.convert reads the cells back as lists anyway.
    data["_row"] = [r + 1 for r in body]
    data["_trailing"] = [r in trailing for r in body]
    frame = data
    headers = {name: (col_letter(pos), header) for name, (pos, header) in found.items()}
    title = [(i + 1, rows[i]) for i in range(header_idx)]
    return RawTable(frame=frame, relation_sql=None, sheet=sheet, headers=headers, title_cells=title,
                    legacy_cells=legacy)


def _looks_numeric(text: str) -> bool:
    t = text.replace(".", "").replace(",", "").replace(" ", "")
    return t.lstrip("-").isdigit()


STANDARD_CSV = ", delim=',', quote='\"', escape='\"', strict_mode=false"


def _csv_names(con: duckdb.DuckDBPyConnection, spath: str, encoding: str, dialect: str) -> list[str]:
    return [d[0] for d in con.execute(
        f"SELECT * FROM read_csv('{spath}', all_varchar=true, header=true, encoding='{encoding}'{dialect}) LIMIT 0"
    ).description]


def csv_structure_error(path: Path, encoding: str) -> FileError:
    """Why a CSV file cannot be read, said in Vietnamese with the row where it goes wrong: the first row whose number
    of columns differs from the header's, or a quote left open (Python's csv module reads it again for this)."""
    import csv

    general = ("không nhận ra cấu trúc tệp CSV: cần một dòng tiêu đề, các cột cách nhau bằng dấu phẩy, mỗi dòng "
               "cùng số cột với dòng tiêu đề, ô có dấu phẩy đặt trong dấu ngoặc kép")
    try:
        with open(path, encoding=encoding, newline="") as fh:
            rows = csv.reader(fh, strict=True)
            header = next(rows, None)
            if not header or len(header) < 2:
                return FileError(general + " (dòng 1 không có dấu phẩy nào: dấu phân cách khác, hoặc không phải CSV)",
                                 row=1)
            for row in rows:
                if row and len(row) != len(header):
                    return FileError(f"{general}: dòng {rows.line_num} có {len(row)} cột, dòng tiêu đề có "
                                     f"{len(header)} cột", row=rows.line_num)
    except csv.Error:
        return FileError(f"{general}: dấu ngoặc kép chưa đóng hoặc đặt sai (từ dòng {rows.line_num})", row=rows.line_num)
    except (OSError, UnicodeDecodeError):
        pass
    return FileError(general)


def read_csv(path: Path, source: Source, con: duckdb.DuckDBPyConnection) -> RawTable:
    """CSV stays inside DuckDB: a national platform export has tens of millions of rows."""
    encoding = "utf-8"
    try:
        with open(path, "rb") as fh:
            fh.read(1 << 20).decode("utf-8")
    except UnicodeDecodeError:
        encoding = "latin-1"  # legacy single-byte file: bytes kept as code points, fixed per value later
    except OSError as exc:
        raise FileError(f"không đọc được tệp ({exc})") from exc
    spath = str(path).replace("'", "''")
    dialect = ""  # DuckDB's sniffer finds delimiter, quote and line ending
    try:
        names = _csv_names(con, spath, encoding, dialect)
        if len(names) == 1 and "," in names[0]:  # the sniffer gave up on commas: rows of unequal width
            raise duckdb.InvalidInputException(names[0])
    except duckdb.Error:
        # The sniffer refuses a file whose lines end both ways (CRLF and LF: a correction typed under the header of
        # an exported file), however regular. Said explicitly, the standard dialect reads it, and still refuses a
        # row of the wrong width or an unclosed quote.
        dialect = STANDARD_CSV
        try:
            names = _csv_names(con, spath, encoding, dialect)
        except duckdb.Error as exc:
            raise csv_structure_error(path, encoding) from exc
    raw_names = names
    if encoding != "utf-8":
        names = [fix_text(n) for n in names]
    found = _match_headers(source, names, None, 1)
    # the cells as written: etl.convert trims each distinct value once, not every cell of a national export
    select = ", ".join(f'"{raw_names[pos]}" AS {name}' for name, (pos, _) in found.items())
    relation_sql = (
        f"SELECT {select} FROM "
        f"read_csv('{spath}', all_varchar=true, header=true, encoding='{encoding}'{dialect}, "
        f"columns={{{', '.join(repr(n) + ': ' + repr('VARCHAR') for n in raw_names)}}})"
    )
    headers = {name: (col_letter(pos), header) for name, (pos, header) in found.items()}
    return RawTable(frame=None, relation_sql=relation_sql, sheet=None, headers=headers)


def read_file(path: Path, source: Source, con: duckdb.DuckDBPyConnection) -> RawTable:
    suffix = path.suffix.lower()
    if suffix not in source.formats:
        raise FileError(
            f"định dạng {suffix or '(không có)'} không được nhận cho nguồn này; cần: {', '.join(source.formats)}"
        )
    if suffix == ".xlsx":
        return read_xlsx(path, source)
    return read_csv(path, source, con)
