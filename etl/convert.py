"""Type one file's text cells by its contract and append them to raw.<source> in the snapshot being built.

Units, dates, cohorts and other low-cardinality values are parsed once per distinct value in Python (so every
message can be exact and Vietnamese); counts are parsed in SQL (a national export has ~100 M of them).
Any value that cannot be typed refuses the whole file, with the first offending cells named.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from etl import contracts as C
from etl.readers import FileError, RawTable, read_file
from etl.textnorm import norm_key
from etl.units import UnitRegistry, UnknownUnit
from etl.vnencoding import fix_text

MAX_ERRORS_LISTED = 10
SKIP = "\x00skip"  # marker: a totals row found in a CSV

OUT_NAME = {C.COMMUNE: "commune_code", C.DISTRICT: "district_code", C.STORE: "store_code", C.UNIT_ANY: "unit_code"}
SQL_TYPE = {
    C.COMMUNE: "VARCHAR", C.DISTRICT: "VARCHAR", C.STORE: "VARCHAR", C.UNIT_ANY: "VARCHAR",
    C.DATE: "DATE", C.DATETIME: "TIMESTAMP", C.COHORT: "VARCHAR", C.DOSE: "INTEGER", C.TEXT: "VARCHAR",
    C.YESNO: "BOOLEAN", C.POP_VERSION: "VARCHAR", C.TIER: "VARCHAR", C.INT: "BIGINT",
}
PROVINCE_WORDS = {"tinh", "kho tinh", "cdc tinh", "so y te", "toan tinh", "trung tam kiem soat benh tat tinh"}
_DATE_DMY = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})")
_DATE_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TIME = re.compile(r"(\d{1,2})\s*[:hg]\s*(\d{2})")
_VN_THOUSANDS = re.compile(r"^-?[0-9]{1,3}([.][0-9]{3})+(,[0-9]+)?$")
_VN_DECIMAL = re.compile(r"^-?[0-9]+,[0-9]+$")


@dataclass
class LoadResult:
    rows: int
    meta: dict = field(default_factory=dict)
    legacy_cells: int = 0


def parse_date(text: str) -> dt.date:
    m = _DATE_ISO.search(text)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = _DATE_DMY.search(text)
        if not m:
            raise ValueError(f'"{text}" không phải là ngày (cần dd/mm/yyyy)')
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    try:
        value = dt.date(y, mo, d)
    except ValueError:
        raise ValueError(f'"{text}" không phải là ngày hợp lệ') from None
    if not dt.date(2019, 1, 1) <= value <= dt.date(2035, 12, 31):
        raise ValueError(f'ngày "{text}" nằm ngoài khoảng 2019–2035')
    return value


def parse_datetime(text: str) -> dt.datetime:
    day = parse_date(text)
    rest = _DATE_ISO.sub("", _DATE_DMY.sub("", text, count=1), count=1)
    m = _TIME.search(rest)
    hour, minute = (int(m[1]), int(m[2])) if m else (0, 0)
    if hour > 23 or minute > 59:
        raise ValueError(f'"{text}": giờ không hợp lệ')
    return dt.datetime(day.year, day.month, day.day, hour, minute)


def _lookup(table: dict[str, str], text: str, what: str, allowed: str) -> str:
    value = table.get(norm_key(text))
    if value is None:
        raise ValueError(f'"{text}" không phải là {what} (nhận: {allowed})')
    return value


def _parse_dose(text: str) -> str:
    digits = re.sub(r"[^0-9]", "", text.replace(".0", "") if text.endswith(".0") else text)
    if digits not in {"1", "2", "3", "4"}:
        raise ValueError(f'"{text}" không phải là mũi tiêm 1–4')
    return digits


class _Parser:
    """Parses the distinct values of one column of one file."""

    def __init__(self, column: C.Column, registry: UnitRegistry, district_code: str | None, anchor: bool):
        self.column = column
        self.registry = registry
        self.district_code = district_code
        self.anchor = anchor

    def __call__(self, text: str) -> str:
        kind = self.column.kind
        if self.anchor and norm_key(text) in C.TOTAL_ROW_KEYS:
            return SKIP
        if kind == C.COMMUNE:
            return self.registry.match_commune(fix_text(text), district_code=self.district_code)
        if kind == C.DISTRICT:
            return self.registry.match_district(fix_text(text))
        if kind in (C.STORE, C.UNIT_ANY):
            if norm_key(fix_text(text)) in PROVINCE_WORDS or norm_key(text) == self.registry.province_code:
                return self.registry.province_code
            return self.registry.match_district(fix_text(text))
        if kind == C.DATE:
            return parse_date(text).isoformat()
        if kind == C.DATETIME:
            return parse_datetime(text).isoformat(sep=" ")
        if kind == C.COHORT:
            return _lookup(C.COHORT_BY_KEY, text, "nhóm tuổi", "18+, 12-17, 5-11")
        if kind == C.DOSE:
            return _parse_dose(text)
        if kind == C.YESNO:
            key = norm_key(text)
            if key in C.YES:
                return "true"
            if key in C.NO:
                return "false"
            raise ValueError(f'"{text}" không phải Có/Không')
        if kind == C.POP_VERSION:
            return _lookup(C.POP_VERSION_BY_KEY, text, "phiên bản dân số", "đầu kỳ, hiện có")
        if kind == C.TIER:
            return _lookup(C.TIER_BY_KEY, text, "tuyến", "tuyến tỉnh, tuyến huyện, tuyến trên, tuyến xã")
        if kind == C.TEXT:
            return unicodedata.normalize("NFC", fix_text(text))
        raise AssertionError(kind)


def parse_int(text: str) -> int:
    """Vietnamese number text -> int, the same reading as _int_sql (a test holds them together)."""
    v = text.replace(" ", "").replace("\xa0", "")
    if "." not in v and "," not in v:
        try:
            return int(v)
        except ValueError:
            raise ValueError(f'"{text}" không phải là số nguyên') from None
    if _VN_THOUSANDS.match(v):
        v = v.replace(".", "").replace(",", ".")
    elif _VN_DECIMAL.match(v):
        v = v.replace(",", ".")
    try:
        number = float(v)
    except ValueError:
        raise ValueError(f'"{text}" không phải là số nguyên') from None
    if not number.is_integer():
        raise ValueError(f'"{text}" không phải là số nguyên')
    return int(number)


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Every raw table exists, empty, before any file loads: a source with no file yet still builds."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for source in C.TABULAR_SOURCES.values():
        if source is C.PLATFORM:
            continue  # kept summed: raw.platform_daily and raw.platform_products below
        cols = ["file_id VARCHAR", "source_row BIGINT"]
        if source is C.DISTRICT_REPORT:
            cols += ["report_date DATE", "district_code VARCHAR"]
        cols += [f"{OUT_NAME.get(c.kind, c.name)} {SQL_TYPE[c.kind]}" for c in source.columns]
        con.execute(f"CREATE TABLE raw.{source.name} ({', '.join(cols)})")
    con.execute("CREATE TABLE raw.platform_daily (file_id VARCHAR, vaccination_date DATE, commune_code VARCHAR, "
                "cohort VARCHAR, dose INTEGER, doses BIGINT)")
    con.execute("CREATE TABLE raw.platform_products (file_id VARCHAR, vaccination_date DATE, district_code VARCHAR, "
                "cohort VARCHAR, dose INTEGER, product VARCHAR, doses BIGINT)")


def _load_frame(con: duckdb.DuckDBPyConnection, raw: RawTable, source: C.Source, registry: UnitRegistry,
                meta: dict, file_id: str) -> int:
    """A workbook's few hundred rows are typed in Python: one SQL statement per file instead of one per column."""
    frame = raw.frame
    row_numbers = frame["_row"].tolist()
    skip = [False] * len(frame)
    errors: list[tuple[int, str, str]] = []
    typed: dict[str, list] = {}
    for column in source.columns:
        name, kind = column.name, column.kind
        out = OUT_NAME.get(kind, name)
        if name not in raw.headers:  # only optional columns can be absent (readers refuses the rest)
            typed[out] = [None] * len(frame)
            continue
        letter, header = raw.headers[name]
        where = f'{letter} ("{header}")'
        blank_ok = kind == C.INT or not column.required
        parse = parse_int if kind == C.INT else _Parser(column, registry, meta.get("district_code"),
                                                         anchor=(column is source.anchor))
        values = []
        for i, text in enumerate(frame[name].tolist()):
            if text is None or (isinstance(text, float) and text != text):
                if not blank_ok and not skip[i]:
                    errors.append((row_numbers[i], where, "ô trống"))
                values.append(None)
                continue
            try:
                value = parse(text)
            except (ValueError, UnknownUnit) as exc:
                if not skip[i]:
                    errors.append((row_numbers[i], where, str(exc)))
                values.append(None)
                continue
            if value == SKIP:
                skip[i] = True
                value = None
            values.append(None if value is None else str(value))
        typed[out] = values
    _raise_errors(sorted(errors), raw.sheet)
    table = pd.DataFrame({k: pd.Series(v, dtype="object") for k, v in typed.items()})
    table["_row"] = row_numbers
    table["_skip"] = skip
    kinds = {OUT_NAME.get(c.kind, c.name): c.kind for c in source.columns}
    casts = ", ".join(f"CAST({out} AS {SQL_TYPE[kind]}) AS {out}" for out, kind in kinds.items())
    meta_cols = "".join(f", CAST(? AS {'DATE' if k.endswith('date') else 'VARCHAR'}) AS {k}" for k in meta)
    con.register("_frame", table)
    try:
        con.execute(
            f"INSERT INTO raw.{source.name} BY NAME SELECT ? AS file_id, _row AS source_row{meta_cols}, {casts} "
            "FROM _frame WHERE NOT _skip", [file_id, *meta.values()])
    finally:
        con.unregister("_frame")
    return skip.count(False)


def _raise_errors(errors: list[tuple[int, str, str]], sheet: str | None) -> None:
    if not errors:
        return
    first_row, first_col, first_msg = errors[0]
    more = len(errors) > MAX_ERRORS_LISTED
    raise FileError(
        first_msg, sheet=sheet, row=int(first_row), column=first_col,
        details=[f"dòng {r}, cột {c}: {m}" for r, c, m in errors[1:MAX_ERRORS_LISTED]]
        + (["… và các lỗi khác"] if more else []),
    )


def _int_sql(col: str) -> str:
    """Vietnamese number text -> BIGINT; NULL when it is not a whole number (reported as an error)."""
    v = f"replace(replace({col}, ' ', ''), chr(160), '')"
    dbl = (
        f"TRY_CAST(CASE WHEN regexp_matches({v}, '^-?[0-9]{{1,3}}([.][0-9]{{3}})+(,[0-9]+)?$') "
        f"THEN replace(replace({v}, '.', ''), ',', '.') "
        f"WHEN regexp_matches({v}, '^-?[0-9]+,[0-9]+$') THEN replace({v}, ',', '.') ELSE {v} END AS DOUBLE)"
    )
    # DuckDB casts '6.990' to 7: only text without '.' or ',' takes the fast path; the rest is read the Vietnamese way
    return (
        f"CASE WHEN NOT contains({col}, '.') AND NOT contains({col}, ',') THEN TRY_CAST({v} AS BIGINT) "
        f"WHEN {dbl} = round({dbl}) THEN CAST({dbl} AS BIGINT) END"
    )


def _load_platform(con: duckdb.DuckDBPyConnection, typed_sql: str) -> int:
    """A platform export is kept summed, one file at a time: per commune without products (what coverage needs) and
    per district with products (what stock and allocation need); the file itself stays in the archive. At national
    scale (≈ 93 M rows) this keeps the build linear instead of one huge GROUP BY over every row ever received."""
    con.execute("DROP TABLE IF EXISTS _typed")
    con.execute(f"CREATE TEMP TABLE _typed AS {typed_sql}")
    con.execute(
        "INSERT INTO raw.platform_daily SELECT file_id, vaccination_date, commune_code, cohort, dose, "
        "sum(doses)::BIGINT FROM _typed GROUP BY ALL")
    con.execute(
        "INSERT INTO raw.platform_products SELECT t.file_id, t.vaccination_date, u.district_code, t.cohort, t.dose, "
        "t.product, sum(t.doses)::BIGINT FROM _typed t JOIN ref.units u ON u.unit_code = t.commune_code GROUP BY ALL")
    rows = con.execute("SELECT count(*) FROM _typed").fetchone()[0]
    con.execute("DROP TABLE _typed")
    return rows


def read_report_title(raw: RawTable, registry: UnitRegistry) -> dict:
    """District and report date of a district report form, from the rows above its table."""
    district = report_date = None
    district_prefixes = [norm_key(p) for p in C.REPORT_TITLE_DISTRICT] + ["ubnd"]
    date_prefixes = [norm_key(p) for p in C.REPORT_TITLE_DATE]
    for row_no, cells in raw.title_cells:
        texts = [c for c in cells if c]
        for i, text in enumerate(texts):
            key = norm_key(text)
            following = texts[i + 1] if i + 1 < len(texts) else None
            if report_date is None and any(key.startswith(p) for p in date_prefixes):
                candidate = text.split(":", 1)[1] if ":" in text else text
                for value in (candidate, following):
                    if value:
                        try:
                            report_date = (parse_date(value), row_no)
                            break
                        except ValueError:
                            continue
            elif district is None and any(key.startswith(p) for p in district_prefixes):
                value = text.split(":", 1)[1] if ":" in text else None
                if value is None and key.startswith("ubnd"):
                    value = re.sub(r"(?i)^\s*ubnd\s*", "", text)
                if value is None:
                    value = following
                if value:
                    try:
                        district = (registry.match_district(value.strip()), row_no)
                    except UnknownUnit as exc:
                        if not key.startswith("ubnd"):
                            raise FileError(str(exc), sheet=raw.sheet, row=row_no) from exc
    if district is None:
        raise FileError('không tìm thấy tên huyện ở phần đầu biểu ("Đơn vị: …")', sheet=raw.sheet)
    if report_date is None:
        raise FileError('không tìm thấy ngày báo cáo ở phần đầu biểu ("Số liệu đến ngày dd/mm/yyyy")', sheet=raw.sheet)
    return {"district_code": district[0], "report_date": report_date[0].isoformat()}


def load_file(con: duckdb.DuckDBPyConnection, path: Path, source: C.Source, registry: UnitRegistry,
              file_id: str) -> LoadResult:
    """Append one file to raw.<source>; raise FileError (nothing appended) when it is refused."""
    raw = read_file(path, source, con)
    meta: dict = {}
    if source is C.DISTRICT_REPORT:
        meta = read_report_title(raw, registry)
    if raw.frame is not None:
        rows = _load_frame(con, raw, source, registry, meta, file_id)
        return LoadResult(rows=rows, meta=meta, legacy_cells=raw.legacy_cells)
    con.execute("DROP VIEW IF EXISTS _raw")
    con.execute("DROP TABLE IF EXISTS _raw_t")
    try:
        con.execute(f"CREATE TEMP TABLE _raw_t AS {raw.relation_sql}")
    except duckdb.Error as exc:
        raise FileError(f"không đọc được tệp CSV: {str(exc).splitlines()[0]}") from exc
    # the line in the file: rowid follows insertion order, +1 for the header, +1 to count from 1
    con.execute("CREATE TEMP VIEW _raw AS SELECT *, rowid + 2 AS _row FROM _raw_t")

    selects: list[str] = []
    joins: list[str] = []
    error_sql: list[str] = []
    present = [c for c in source.columns if c.name in raw.headers]
    for n, column in enumerate(present):
        name, kind = column.name, column.kind
        out = OUT_NAME.get(kind, name)
        letter, header = raw.headers[name]
        where = f"{letter} (\"{header}\")".replace("'", "''")
        blank_ok = kind == C.INT or not column.required
        if kind == C.INT:
            expr = _int_sql(f"_raw.{name}")
            selects.append(f"{expr} AS {out}")
            error_sql.append(
                f"SELECT _row, '{where}' AS col, '\"' || _raw.{name} || '\" không phải là số nguyên' AS msg "
                f"FROM _raw WHERE _raw.{name} IS NOT NULL AND {expr} IS NULL"
            )
        else:
            parser = _Parser(column, registry, meta.get("district_code"), anchor=(column is source.anchor))
            values = [r[0] for r in con.execute(f"SELECT DISTINCT {name} FROM _raw WHERE {name} IS NOT NULL").fetchall()]
            mapped, errors = [], []
            for value in values:
                try:
                    mapped.append(parser(value))
                    errors.append(None)
                except (ValueError, UnknownUnit) as exc:
                    mapped.append(None)
                    errors.append(str(exc))
            frame = pd.DataFrame({"raw": pd.Series(values, dtype="object"), "val": pd.Series(mapped, dtype="object"),
                                  "err": pd.Series(errors, dtype="object")})
            con.register("_map_df", frame)
            con.execute(f"DROP TABLE IF EXISTS _map{n}")
            con.execute(f"CREATE TEMP TABLE _map{n} AS SELECT raw::VARCHAR raw, val::VARCHAR val, err::VARCHAR err FROM _map_df")
            con.unregister("_map_df")
            joins.append(f"LEFT JOIN _map{n} ON _map{n}.raw = _raw.{name}")
            if kind == C.TEXT:
                selects.append(f"_map{n}.val AS {out}")
            else:
                selects.append(f"CAST(NULLIF(_map{n}.val, '{SKIP}') AS {SQL_TYPE[kind]}) AS {out}")
            if column is source.anchor:
                selects.append(f"(_map{n}.val IS NOT DISTINCT FROM '{SKIP}') AS _skip")
            error_sql.append(f"SELECT _row, '{where}' AS col, _map{n}.err AS msg FROM _raw {joins[-1]} WHERE _map{n}.err IS NOT NULL")
            if not blank_ok:
                error_sql.append(f"SELECT _row, '{where}' AS col, 'ô trống' AS msg FROM _raw WHERE _raw.{name} IS NULL")
    for column in source.columns:
        if column.name not in raw.headers:  # only optional columns can be absent (readers refuses the rest)
            selects.append(f"CAST(NULL AS {SQL_TYPE[column.kind]}) AS {OUT_NAME.get(column.kind, column.name)}")
    errors = con.execute(
        f"SELECT _row, col, msg FROM ({' UNION ALL '.join(error_sql)}) ORDER BY _row, col LIMIT {MAX_ERRORS_LISTED + 1}"
    ).fetchall() if error_sql else []
    _raise_errors(errors, raw.sheet)
    meta_cols = "".join(f", CAST('{v}' AS {'DATE' if k.endswith('date') else 'VARCHAR'}) AS {k}" for k, v in meta.items())
    typed = (
        f"SELECT '{file_id}' AS file_id, _raw._row AS source_row{meta_cols}, {', '.join(selects)} "
        f"FROM _raw {' '.join(joins)}"
    )
    skip_filter = " WHERE NOT _skip" if source.anchor.kind != C.INT and source.anchor.name in raw.headers else ""
    cols_sql = f"SELECT * EXCLUDE (_skip) FROM ({typed}){skip_filter}" if skip_filter else f"SELECT * FROM ({typed})"
    if source is C.PLATFORM:
        rows = _load_platform(con, cols_sql)
    else:
        con.execute(f"INSERT INTO raw.{source.name} BY NAME {cols_sql}")
        rows = con.execute(f"SELECT count(*) FROM raw.{source.name} WHERE file_id = ?", [file_id]).fetchone()[0]
    con.execute("DROP VIEW IF EXISTS _raw")
    con.execute("DROP TABLE IF EXISTS _raw_t")
    return LoadResult(rows=rows, meta=meta, legacy_cells=raw.legacy_cells)
