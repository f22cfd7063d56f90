"""Type one file's text cells by its contract and append them to raw.<source> in the snapshot being built.

Units, dates, cohorts and other low-cardinality values are parsed once per distinct value in Python (so every
message can be exact and Vietnamese); counts are parsed in SQL (a national export has ~100 M of them).
Any value that cannot be typed refuses the whole file, with the first offending cells named.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from etl import contracts as C
from etl import values
from etl.readers import FileError, RawTable, col_letter, read_file
from etl.textnorm import norm_key
from etl.units import UnitRegistry, UnknownUnit
from etl.values import SKIP, Parser, parse_date, parse_int

MAX_ERRORS_LISTED = 10

OUT_NAME = {C.COMMUNE: "commune_code", C.DISTRICT: "district_code", C.STORE: "store_code", C.UNIT_ANY: "unit_code"}
SQL_TYPE = {
    C.COMMUNE: "VARCHAR", C.DISTRICT: "VARCHAR", C.STORE: "VARCHAR", C.UNIT_ANY: "VARCHAR",
    C.DATE: "DATE", C.DATETIME: "TIMESTAMP", C.COHORT: "VARCHAR", C.DOSE: "INTEGER", C.TEXT: "VARCHAR",
    C.YESNO: "BOOLEAN", C.POP_VERSION: "VARCHAR", C.TIER: "VARCHAR", C.INT: "BIGINT",
}



@dataclass
class LoadResult:
    rows: int
    meta: dict = field(default_factory=dict)
    legacy_cells: int = 0


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
    # A loaded value below its column's minimum (a negative count), where it was: checks/value_below_minimum.sql
    con.execute("CREATE TABLE raw.value_flags (file_id VARCHAR, sheet VARCHAR, source_row BIGINT, column_ref VARCHAR, "
                "value BIGINT, minimum BIGINT, unit_code VARCHAR, ref_date DATE)")


def _out(column: C.Column) -> str:
    return OUT_NAME.get(column.kind, column.name)


def _where(raw: RawTable, name: str) -> str:
    letter, header = raw.headers[name]
    return f'{letter} ("{header}")'


def _flag_context(source: C.Source, meta: dict) -> tuple[str | None, str | None]:
    """Typed columns naming the unit and the date of a flagged row."""
    unit = next((_out(c) for c in source.columns
                 if c.kind in (C.COMMUNE, C.DISTRICT, C.STORE, C.UNIT_ANY)), None)
    day = next((_out(c) for c in source.columns if c.event_date), "report_date" if "report_date" in meta else None)
    return unit, day


def _show(kind: str, value: object, registry: UnitRegistry) -> str:
    """A typed key value as the message shows it."""
    if value is None:
        return "(trống)"
    if kind in (C.COMMUNE, C.DISTRICT, C.STORE, C.UNIT_ANY):
        try:
            return f"{registry.name_of(str(value))} ({value})"
        except KeyError:
            return str(value)
    if kind == C.DATE:
        return dt.date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")
    if kind == C.DATETIME:
        return dt.datetime.fromisoformat(str(value)).strftime("%d/%m/%Y %H:%M")
    return str(value)


def _duplicates_error(dups: list[tuple[list[int], int, tuple]], source: C.Source, raw: RawTable,
                      registry: UnitRegistry) -> FileError:
    """dups: (the first two rows sharing a key, how many share it, the key's typed values), by their first row."""
    in_file = list(raw.headers)  # in the order of the file's columns, as the reader sees them
    order = sorted(range(len(source.row_key)), key=lambda k: in_file.index(source.row_key[k]))
    cols = [source.column(source.row_key[k]) for k in order]

    def said(rows: list[int], count: int, values: tuple) -> str:
        shown = [_show(c.kind, values[k], registry) for c, k in zip(cols, order)]
        key = "; ".join(f"cột {_where(raw, c.name)} {v}" for c, v in zip(cols, shown))
        more = f" (và {count - 2} dòng khác)" if count > 2 else ""
        return f"dòng {rows[0]} và dòng {rows[1]}{more} trùng nhau: {key}"

    return FileError(
        said(*dups[0]) + f". Trong một tệp, mỗi {', '.join(c.header for c in cols)} chỉ có một dòng: "
        "hãy xóa dòng thừa hoặc gộp số liệu rồi gửi lại",
        sheet=raw.sheet,
        details=[said(*d) for d in dups[1:MAX_ERRORS_LISTED]]
        + (["… và các dòng trùng khác"] if len(dups) > MAX_ERRORS_LISTED else []),
    )


def _load_frame(con: duckdb.DuckDBPyConnection, raw: RawTable, source: C.Source, registry: UnitRegistry,
                meta: dict, file_id: str) -> int:
    """A workbook's few hundred rows are typed and checked in Python: one SQL statement per file, not one per rule."""
    frame = raw.frame
    row_numbers = frame["_row"]
    n_rows = len(row_numbers)
    trailing = frame.get("_trailing") or [False] * n_rows
    skip = [False] * n_rows
    errors: list[tuple[int, str, str]] = []  # (index in the frame, column, message)
    flags: list[tuple[int, C.Column, int]] = []
    typed: dict[str, list] = {}
    hint = source.district_column
    districts = [None] * n_rows
    unknown_district: set[int] = set()
    # The row's district is read first: it chooses between communes of the same name.
    ordered = ([hint] if hint is not None else []) + [c for c in source.columns if c is not hint]
    for column in ordered:
        name, kind = column.name, column.kind
        if name not in raw.headers:  # only optional columns can be absent (readers refuses the rest)
            typed[name] = [None] * n_rows
            continue
        where = _where(raw, name)
        blank_ok = kind == C.INT or not column.required
        anchor = column is source.anchor
        parse = parse_int if kind == C.INT else Parser(column, registry, meta.get("district_code"), anchor=anchor)
        values = []
        for i, text in enumerate(frame[name]):
            if text is None or (isinstance(text, float) and text != text):
                if anchor and trailing[i]:
                    skip[i] = True  # the form's footer: no figure and nothing in the first column
                elif not blank_ok:
                    errors.append((i, where, "ô trống"))
                values.append(None)
                continue
            if kind == C.COMMUNE and i in unknown_district:
                values.append(None)  # the district column already names the error, as a CSV reports it
                continue
            try:
                value = parse(text, districts[i]) if kind == C.COMMUNE else parse(text)
            except (ValueError, UnknownUnit) as exc:
                if column is hint:
                    unknown_district.add(i)
                if anchor and trailing[i]:
                    skip[i] = True  # the form's footer: no figure, and the first column names no unit
                else:
                    errors.append((i, where, str(exc)))
                values.append(None)
                continue
            if value == SKIP:
                skip[i] = True
                value = None
            elif kind == C.INT and column.minimum is not None and value < column.minimum:
                flags.append((i, column, value))
            values.append(value)
        typed[name] = values
        if column is hint:
            districts = values
    _raise_errors(sorted((row_numbers[i], col, msg) for i, col, msg in errors if not skip[i]), raw.sheet)
    keep = [i for i in range(n_rows) if not skip[i]]
    seen: dict[tuple, list[int]] = {}
    for i in keep:
        seen.setdefault(tuple(typed[n][i] for n in source.row_key), []).append(row_numbers[i])
    dups = sorted(((rows[:2], len(rows), key) for key, rows in seen.items() if len(rows) > 1), key=lambda d: d[0][0])
    if dups:
        raise _duplicates_error(dups, source, raw, registry)
    if flags:
        unit, day = _flag_context(source, meta)
        by_out = {_out(c): typed[c.name] for c in source.columns} | {k: [v] * n_rows for k, v in meta.items()}
        con.executemany("INSERT INTO raw.value_flags VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
            (file_id, raw.sheet, row_numbers[i], _where(raw, column.name), value, column.minimum,
             by_out[unit][i] if unit else None, str(by_out[day][i])[:10] if day and by_out[day][i] else None)
            for i, column, value in flags if not skip[i]])
    # Arrow, not pandas: DuckDB scans an Arrow table of strings without looking at each Python object
    table = pa.table({**{_out(c): pa.array([None if v is None else str(v) for v in typed[c.name]], type=pa.string())
                         for c in source.columns},
                      "_row": pa.array(row_numbers, type=pa.int64()), "_skip": pa.array(skip, type=pa.bool_())})
    casts = ", ".join(f"CAST({_out(c)} AS {SQL_TYPE[c.kind]}) AS {_out(c)}" for c in source.columns)
    meta_cols = "".join(f", CAST(? AS {'DATE' if k.endswith('date') else 'VARCHAR'}) AS {k}" for k in meta)
    con.register("_frame", table)
    try:
        return _land(con, source, f"SELECT ? AS file_id, _row AS source_row{meta_cols}, {casts} FROM _frame "
                                  "WHERE NOT _skip", [file_id, *meta.values()])
    finally:
        con.unregister("_frame")


def _land(con: duckdb.DuckDBPyConnection, source: C.Source, typed_sql: str | None, params: list | None = None,
          checks: _SqlChecks | None = None) -> int:
    """The one way the typed rows of a file, workbook or CSV, reach raw.*; returns how many rows the file holds.

    checks: the rules still to apply in SQL (a CSV's rows never come into Python); None when already applied.
    typed_sql None: the rows are already in the temporary table _typed, with its column _bad (a CSV's).
    """
    if source is C.PLATFORM:
        return _land_platform(con, typed_sql, params or [], checks)
    if checks is None:
        return con.execute(f"INSERT INTO raw.{source.name} BY NAME {typed_sql}", params or []).fetchone()[0]
    typed = "SELECT * FROM _typed"
    if typed_sql is None:
        typed = "SELECT * EXCLUDE (_bad) FROM _typed"
    else:
        con.execute("DROP TABLE IF EXISTS _typed")
        con.execute(f"CREATE TEMP TABLE _typed AS {typed_sql}", params or [])
    try:
        checks.duplicates(con, "_typed")
        checks.flags(con, "_typed")
        return con.execute(f"INSERT INTO raw.{source.name} BY NAME {typed}").fetchone()[0]
    finally:
        con.execute("DROP TABLE IF EXISTS _typed")


@dataclass
class _SqlChecks:
    """The duplicate-row and minimum rules on a relation of typed rows, in SQL (the same rules _load_frame applies
    in Python; tests run both on the same files)."""

    source: C.Source
    raw: RawTable
    registry: UnitRegistry
    meta: dict

    def duplicates(self, con: duckdb.DuckDBPyConnection, relation: str) -> None:
        keys = ", ".join(_out(self.source.column(n)) for n in self.source.row_key)
        found = con.execute(
            f"SELECT min(source_row, 2), count(*), {keys} FROM {relation} GROUP BY {keys} HAVING count(*) > 1 "
            f"ORDER BY min(source_row) LIMIT {MAX_ERRORS_LISTED + 1}").fetchall()
        if found:
            raise _duplicates_error([(r[0], r[1], tuple(r[2:])) for r in found], self.source, self.raw, self.registry)

    def flags(self, con: duckdb.DuckDBPyConnection, relation: str) -> None:
        unit, day = _flag_context(self.source, self.meta)
        parts, params = [], []
        for column in self.source.columns:
            if column.kind != C.INT or column.minimum is None or column.name not in self.raw.headers:
                continue
            out = _out(column)
            parts.append(f"SELECT file_id, ?, source_row, ?, {out}, {column.minimum}, {unit or 'NULL'}, "
                         f"CAST({day or 'NULL'} AS DATE) FROM {relation} WHERE {out} < {column.minimum}")
            params += [self.raw.sheet, _where(self.raw, column.name)]
        if parts:
            con.execute(f"INSERT INTO raw.value_flags {' UNION ALL '.join(parts)}", params)


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
    # Each text is cleaned, matched and cast once, through one-element lists: written out three times, the regular
    # expressions of every count column were compiled again for each statement (20 ms a CSV file of 9 counts).
    dbl = (
        "TRY_CAST(CASE WHEN regexp_matches(s, '^-?[0-9]{1,3}([.][0-9]{3})+(,[0-9]+)?$') "
        "THEN replace(replace(s, '.', ''), ',', '.') "
        "WHEN regexp_matches(s, '^-?[0-9]+,[0-9]+$') THEN replace(s, ',', '.') ELSE s END AS DOUBLE)"
    )
    # DuckDB casts '6.990' to 7: only text without '.' or ',' takes the fast path; the rest is read the Vietnamese way.
    # On the fast path the text is cast as it is first (a cast ignores spaces around a number, and one inside fails):
    # the spaces are taken out only when that fails (removing them cost twice the cast, for every count of a file).
    return (
        f"CASE WHEN NOT contains({col}, '.') AND NOT contains({col}, ',') "
        f"THEN coalesce(TRY_CAST({col} AS BIGINT), TRY_CAST({v} AS BIGINT)) "
        f"ELSE list_transform(list_transform([{v}], lambda s: {dbl}), "
        "lambda d: CASE WHEN d = round(d) THEN CAST(d AS BIGINT) END)[1] END"
    )


def _land_platform(con: duckdb.DuckDBPyConnection, typed_sql: str | None, params: list, checks: _SqlChecks | None
                   ) -> int:
    """A platform export is kept summed, one file at a time: per commune without products (what coverage needs) and
    per district with products (what stock and allocation need); the file itself stays in the archive. At national
    scale (≈ 93 M rows) this keeps the build linear instead of one huge GROUP BY over every row ever received.

    The sums go straight into raw.platform_daily (no copy of a file's millions of rows in between); fewer sums than
    rows tells, without another pass, whether the file may repeat a line (only then are its rows grouped by line), and
    its smallest count whether one is negative. A file refused by those rules leaves no row behind."""
    if typed_sql is not None:  # else already in _typed
        con.execute("DROP TABLE IF EXISTS _typed")
        con.execute(f"CREATE TEMP TABLE _typed AS {typed_sql}", params)
    file_ids: list[str] = []
    try:
        rows, lowest, file_ids = con.execute("SELECT count(*), min(doses), list(DISTINCT file_id) FROM _typed").fetchone()
        daily = con.execute(
            "INSERT INTO raw.platform_daily SELECT file_id, vaccination_date, commune_code, cohort, dose, "
            "sum(doses)::BIGINT FROM _typed GROUP BY ALL").fetchone()[0]
        if checks is not None and daily < rows:  # a commune-day in several rows: several products, or a repeated line
            checks.duplicates(con, "_typed")
        if checks is not None and lowest is not None and lowest < C.PLATFORM.column("doses").minimum:
            checks.flags(con, "_typed")
        con.execute(
            "INSERT INTO raw.platform_products SELECT t.file_id, t.vaccination_date, u.district_code, t.cohort, t.dose, "
            "t.product, sum(t.doses)::BIGINT FROM _typed t JOIN ref.units u ON u.unit_code = t.commune_code GROUP BY ALL")
    except Exception:
        for table in ("platform_daily", "platform_products", "value_flags"):
            con.execute(f"DELETE FROM raw.{table} WHERE list_contains(?, file_id)", [file_ids or []])
        raise
    finally:
        con.execute("DROP TABLE IF EXISTS _typed")
    return rows or 0


def read_report_title(raw: RawTable, registry: UnitRegistry) -> dict:
    """District and report date of a district report form, from the rows above its table."""
    district = report_date = None
    district_prefixes = [norm_key(p) for p in C.REPORT_TITLE_DISTRICT] + ["ubnd"]
    date_prefixes = [norm_key(p) for p in C.REPORT_TITLE_DATE]
    for row_no, cells in raw.title_cells:
        texts = [(col, c) for col, c in enumerate(cells) if c]
        for i, (col, text) in enumerate(texts):
            key = norm_key(text)
            following = texts[i + 1] if i + 1 < len(texts) else (None, None)
            if report_date is None and any(key.startswith(p) for p in date_prefixes):
                candidate = text.split(":", 1)[1] if ":" in text else text
                for at, value in ((col, candidate), following):
                    if value:
                        try:
                            report_date = (parse_date(value), row_no, at)
                            break
                        except ValueError:
                            continue
            elif district is None and any(key.startswith(p) for p in district_prefixes):
                value = text.split(":", 1)[1] if ":" in text else None
                if value is None and key.startswith("ubnd"):
                    value = re.sub(r"(?i)^\s*ubnd\s*", "", text)
                if value is None:
                    value = following[1]
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
    day, row_no, at = report_date
    run_day = values.today()
    if day > run_day:
        raise FileError(f"ngày báo cáo {day:%d/%m/%Y} ở sau ngày chạy ({run_day:%d/%m/%Y}): số liệu không thể có cho "
                        "một ngày chưa đến (gõ nhầm năm, tháng?)", sheet=raw.sheet, row=row_no, column=col_letter(at))
    return {"district_code": district[0], "report_date": day.isoformat()}


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
    bad_sql: list[str] = []  # the same conditions as error_sql, on one row: whether it holds any error
    skip_rows: str | None = None  # the totals lines, when there are any: not data, so never an error
    hint = source.district_column if source.district_column and source.district_column.name in raw.headers else None
    present = [c for c in source.columns if c.name in raw.headers and c is not hint]
    distinct = _distinct_values(con, [c for c in present if c.kind != C.INT], hint)
    for n, column in enumerate(present):
        name, kind = column.name, column.kind
        out = _out(column)
        where = _where(raw, name).replace("'", "''")
        blank_ok = kind == C.INT or not column.required
        if kind == C.INT:
            trimmed = f"NULLIF(trim(_raw.{name}), '')"  # a count is trimmed cell by cell (cheap beside its parse)
            expr = _int_sql(trimmed)
            selects.append(f"{expr} AS {out}")
            error_sql.append(
                f"SELECT _row, '{where}' AS col, '\"' || {trimmed} || '\" không phải là số nguyên' AS msg "
                f"FROM _raw WHERE {trimmed} IS NOT NULL AND {expr} IS NULL"
            )
            bad_sql.append(f"({trimmed} IS NOT NULL AND {expr} IS NULL)")
            continue
        parser = Parser(column, registry, meta.get("district_code"), anchor=(column is source.anchor))
        # a cell of spaces only is blank: no value, an error where the column is required
        blank = (None, None if blank_ok else "ô trống")
        if kind == C.COMMUNE and hint is not None:
            # Parsed once per distinct (commune, district) pair: the district chooses between namesakes.
            district_parser = Parser(hint, registry, None, anchor=False)
            hint_where = _where(raw, hint.name)
            pairs = distinct[name]
            trim = _trimmed(con, [v for v, _ in pairs] + [d for _, d in pairs])
            mapped = []
            for value, district in pairs:
                try:
                    code = district_parser(trim[district]) if trim.get(district) is not None else None
                except (ValueError, UnknownUnit) as exc:
                    mapped.append((value, district, None, str(exc), hint_where))
                    continue
                cell = trim[value]
                mapped.append((value, district, *(blank if cell is None else _try(parser, cell, code)), where))
            on = f"_map{n}.raw = _raw.{name} AND _map{n}.raw_d IS NOT DISTINCT FROM _raw.{hint.name}"
        else:
            trim = _trimmed(con, distinct[name])
            mapped = [(value, None, *(blank if trim[value] is None else _try(parser, trim[value], None)), where)
                      for value in distinct[name]]
            on = f"_map{n}.raw = _raw.{name}"
        frame = pd.DataFrame(mapped, columns=["raw", "raw_d", "val", "err", "col"], dtype="object")
        con.register("_map_df", frame)
        con.execute(f"DROP TABLE IF EXISTS _map{n}")
        # typed once per distinct value here, not once per row in the statement that joins the map
        typed_val = "val" if kind == C.TEXT else f"CAST(NULLIF(val::VARCHAR, '{SKIP}') AS {SQL_TYPE[kind]})"
        con.execute(f"CREATE TEMP TABLE _map{n} AS SELECT raw::VARCHAR raw, raw_d::VARCHAR raw_d, val::VARCHAR val, "
                    f"{typed_val} AS typed, err::VARCHAR err, col::VARCHAR col FROM _map_df")
        con.unregister("_map_df")
        joins.append(f"LEFT JOIN _map{n} ON {on}")
        selects.append(f"_map{n}.typed AS {out}")
        if column is source.anchor:
            selects.append(f"(_map{n}.val IS NOT DISTINCT FROM '{SKIP}') AS _skip")
            if any(m[2] == SKIP for m in mapped):
                skip_rows = f"SELECT _row FROM _raw {joins[-1]} WHERE _map{n}.val = '{SKIP}'"
        if any(m[3] is not None for m in mapped):  # else no row can fail: spare the join
            error_sql.append(f"SELECT _row, _map{n}.col AS col, _map{n}.err AS msg FROM _raw {joins[-1]} "
                             f"WHERE _map{n}.err IS NOT NULL")
            bad_sql.append(f"_map{n}.err IS NOT NULL")
        if not blank_ok:
            error_sql.append(f"SELECT _row, '{where}' AS col, 'ô trống' AS msg FROM _raw WHERE _raw.{name} IS NULL")
            bad_sql.append(f"_raw.{name} IS NULL")
    for column in source.columns:
        if column.name not in raw.headers:  # only optional columns can be absent (readers refuses the rest)
            selects.append(f"CAST(NULL AS {SQL_TYPE[column.kind]}) AS {_out(column)}")
    not_skipped = f" WHERE _row NOT IN ({skip_rows})" if skip_rows else ""
    meta_cols = "".join(f", CAST('{v}' AS {'DATE' if k.endswith('date') else 'VARCHAR'}) AS {k}" for k, v in meta.items())
    bad = " OR ".join(bad_sql) or "false"
    typed = (
        f"SELECT '{file_id}' AS file_id, _raw._row AS source_row{meta_cols}, {', '.join(selects)}, ({bad}) AS _bad "
        f"FROM _raw {' '.join(joins)}"
    )
    skip_filter = " WHERE NOT _skip" if source.anchor.kind != C.INT and source.anchor.name in raw.headers else ""
    cols_sql = f"SELECT * EXCLUDE (_skip) FROM ({typed}){skip_filter}" if skip_filter else f"SELECT * FROM ({typed})"
    try:
        # The rows are typed once, each marked when it holds an error; only a file with such a row is read again, by
        # the queries that name each error (a national export: one pass over its millions of rows, not one a rule).
        con.execute("DROP TABLE IF EXISTS _typed")
        con.execute(f"CREATE TEMP TABLE _typed AS {cols_sql}")
        if con.execute("SELECT count(*) FROM _typed WHERE _bad").fetchone()[0]:
            errors = con.execute(
                f"SELECT _row, col, msg FROM ({' UNION ALL '.join(error_sql)}){not_skipped} ORDER BY _row, col "
                f"LIMIT {MAX_ERRORS_LISTED + 1}"
            ).fetchall()
            _raise_errors(errors, raw.sheet)
        rows = _land(con, source, None, checks=_SqlChecks(source, raw, registry, meta))
    finally:
        con.execute("DROP TABLE IF EXISTS _typed")
        con.execute("DROP VIEW IF EXISTS _raw")
        con.execute("DROP TABLE IF EXISTS _raw_t")
    return LoadResult(rows=rows, meta=meta, legacy_cells=raw.legacy_cells)


# Each CSV's distinct values are typed in Python; a national inbox repeats the same 10,599 commune codes and the same
# dates in every monthly file: what a value reads as is kept per registry (registries are shared and read-only), for
# the same column, district, anchor role and run day.
_TYPED: weakref.WeakKeyDictionary[UnitRegistry, dict[tuple, tuple[str | None, str | None]]] = weakref.WeakKeyDictionary()
_TYPED_LOCK = threading.Lock()  # files load in two threads (etl.pipeline)


def _trimmed(con: duckdb.DuckDBPyConnection, values: list) -> dict:
    """Each distinct cell as etl.readers used to hand it over: trimmed by DuckDB, None when nothing is left."""
    texts = sorted({v for v in values if v is not None})
    if not texts:
        return {}
    return dict(con.execute("SELECT r, NULLIF(trim(r), '') FROM unnest(?::VARCHAR[]) AS t(r)", [texts]).fetchall())


def _distinct_values(con: duckdb.DuckDBPyConnection, columns: list[C.Column], hint: C.Column | None
                     ) -> dict[str, list]:
    """Each column's distinct values in _raw (a commune's with the row's district when the file has a district
    column: (value, district) pairs), in one pass over the file's rows."""
    if not columns:
        return {}
    exprs = []
    for column in columns:
        name = column.name
        value = f"{{'v': {name}, 'd': {hint.name}}}" if column.kind == C.COMMUNE and hint is not None else name
        exprs.append(f"list(DISTINCT {value}) FILTER (WHERE {name} IS NOT NULL)")
    found = con.execute(f"SELECT {', '.join(exprs)} FROM _raw").fetchall()[0]
    out: dict[str, list] = {}
    for column, values in zip(columns, found):
        values = values or []
        paired = column.kind == C.COMMUNE and hint is not None
        out[column.name] = [(v["v"], v["d"]) for v in values] if paired else values
    return out


def _try(parser: Parser, value: str, district_code: str | None) -> tuple[str | None, str | None]:
    """(typed value, None) or (None, the reason it cannot be typed)."""
    with _TYPED_LOCK:
        known = _TYPED.setdefault(parser.registry, {})
    key = (parser.column, parser.district_code, parser.anchor, parser.run_day, value, district_code)
    found = known.get(key)
    if found is None:
        try:
            found = parser(value, district_code), None
        except (ValueError, UnknownUnit) as exc:
            found = None, str(exc)
        if len(known) > 1_000_000:  # a long-lived process (the dashboard's rebuilds): bounded
            known.clear()
        known[key] = found
    return found
