"""Run the SQL models (one SELECT per .sql file) and the data checks inside the snapshot being built.

A model file `sql/<schema>/<name>.sql` becomes the table `<schema>.<name>`. Its first line is a comment stating
the grain. Models are run in dependency order, found from the `schema.table` names each file mentions.
A check file `sql/checks/<name>.sql` is a query returning the offending rows (unit_code, ref_date, detail);
its header comments give `severity:` (error, warning, info) and `title:` (Vietnamese, shown on screen).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import duckdb

from etl import columns

from etl.vnformat import fmt_int, fmt_num

SQL_DIR = Path(__file__).resolve().parent / "sql"
MODEL_SCHEMAS = ("staging", "marts")
_REF = re.compile(r"\b(staging|marts)\.([a-z_][a-z0-9_]*)\b")


@dataclass(frozen=True)
class Model:
    schema: str
    name: str
    path: Path

    @property
    def table(self) -> str:
        return f"{self.schema}.{self.name}"

    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def grain(self) -> str:
        first = self.sql().splitlines()[0]
        return first.removeprefix("--").strip()

    def is_view(self) -> bool:
        """A model whose header says `-- materialized: view` is a view over other models, not stored twice."""
        return re.search(r"^-- materialized: view$", self.sql(), re.MULTILINE) is not None

    def directive(self, key: str) -> str | None:
        """The one-line value of a `-- key: value` comment of the model (None without one)."""
        m = re.search(rf"^-- {re.escape(key)}: (.+)$", self.sql(), re.MULTILINE)
        return m.group(1).strip() if m else None

    def depends_on(self) -> set[str]:
        body = re.sub(r"--[^\n]*", "", self.sql())
        return {f"{s}.{n}" for s, n in _REF.findall(body)} - {self.table}


def discover(sql_dir: Path = SQL_DIR) -> list[Model]:
    models = [Model(schema, p.stem, p) for schema in MODEL_SCHEMAS for p in sorted((sql_dir / schema).glob("*.sql"))]
    return topo_sort(models)


def topo_sort(models: list[Model]) -> list[Model]:
    by_table = {m.table: m for m in models}
    ordered: list[Model] = []
    state: dict[str, int] = {}

    def visit(m: Model, chain: tuple[str, ...]) -> None:
        if state.get(m.table) == 2:
            return
        if state.get(m.table) == 1:
            raise ValueError("vòng lặp phụ thuộc giữa các mô hình SQL: " + " -> ".join(chain + (m.table,)))
        state[m.table] = 1
        for dep in sorted(m.depends_on()):
            if dep in by_table:
                visit(by_table[dep], chain + (m.table,))
        state[m.table] = 2
        ordered.append(m)

    for m in models:
        visit(m, ())
    return ordered


MACROS_SQL = SQL_DIR / "macros.sql"


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The figures' one definition (etl/sql/macros.sql), stored in the snapshot: the marts and the dashboard's queries
    both call them."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(MACROS_SQL.read_text(encoding="utf-8"))


_CARRY = re.compile(r"^-- chunk carry \((.+?)\): (.+)$", re.MULTILINE)


def _create_chunked(con: duckdb.DuckDBPyConnection, model: Model, chunks_sql: str) -> None:
    """A model too large to build in one statement, built a chunk at a time in the order of `-- chunks:` (a query
    returning each chunk's first and last value, in order): the SELECT reads getvariable('chunk_from') and
    getvariable('chunk_to'), and the table chunk_carry, which `-- chunk carry (columns): query` fills before each chunk
    but the first (empty then) from the rows already built. Without any chunk, the query runs once with both NULL, so
    the table exists with its columns."""
    carry = _CARRY.search(model.sql())
    if carry is None:
        raise ValueError(f"{model.path.name}: `-- chunks:` cần `-- chunk carry (cột kiểu, ...): truy vấn`")
    columns, carry_sql = carry.groups()
    chunks = con.execute(chunks_sql).fetchall() or [(None, None)]
    con.execute(f"CREATE OR REPLACE TEMP TABLE chunk_carry ({columns})")
    try:
        for n, (first, last) in enumerate(chunks):
            con.execute("SET VARIABLE chunk_from = ?", [first])
            con.execute("SET VARIABLE chunk_to = ?", [last])
            if n == 0:
                con.execute(f"CREATE OR REPLACE TABLE {model.table} AS {model.sql()}")
            else:
                con.execute("DELETE FROM chunk_carry")
                con.execute(f"INSERT INTO chunk_carry {carry_sql}")
                con.execute(f"INSERT INTO {model.table} {model.sql()}")
    finally:
        con.execute("DROP TABLE IF EXISTS chunk_carry")
        con.execute("RESET VARIABLE chunk_from")
        con.execute("RESET VARIABLE chunk_to")


def run_models(con: duckdb.DuckDBPyConnection, progress: Callable[[str], None], sql_dir: Path = SQL_DIR) -> int:
    for schema in MODEL_SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    create_macros(con)
    models = discover(sql_dir)
    for model in models:
        started = time.monotonic()
        try:
            chunks = model.directive("chunks")
            if chunks:
                _create_chunked(con, model, chunks)
            else:
                kind = "VIEW" if model.is_view() else "TABLE"
                con.execute(f"CREATE OR REPLACE {kind} {model.table} AS {model.sql()}")
        except duckdb.Error as exc:
            first = str(exc).split("\n\tCandidate")[0].splitlines()[0]
            raise RuntimeError(f"mô hình {model.table} ({model.path.name}) lỗi: {first}") from exc
        rows = con.execute(f"SELECT count(*) FROM {model.table}").fetchone()[0]
        progress(f"{model.table}: {fmt_int(rows)} dòng ({fmt_num(time.monotonic() - started, 1)} s)")
    columns.apply(con)  # each column's definition, source and date basis, for analysts reading the snapshot
    return len(models)


def _header(sql: str, key: str) -> str | None:
    m = re.search(rf"^--\s*{key}:\s*(.+)$", sql, re.MULTILINE)
    return m.group(1).strip() if m else None


def run_checks(con: duckdb.DuckDBPyConnection, progress: Callable[[str], None], sql_dir: Path = SQL_DIR) -> dict[str, int]:
    con.execute("CREATE SCHEMA IF NOT EXISTS checks")
    create_macros(con)
    con.execute(
        "CREATE OR REPLACE TABLE checks.results (check_id VARCHAR, severity VARCHAR, title VARCHAR, "
        "unit_code VARCHAR, unit_level VARCHAR, district_code VARCHAR, ref_date DATE, detail VARCHAR)"
    )
    counts: dict[str, int] = {}
    for path in sorted((sql_dir / "checks").glob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        severity = _header(sql, "severity") or "warning"
        title = _header(sql, "title") or path.stem
        con.execute(
            "INSERT INTO checks.results SELECT ?, ?, ?, c.unit_code, u.unit_level, u.district_code, "
            f"c.ref_date, c.detail FROM ({sql}) c LEFT JOIN marts.units u ON u.unit_code = c.unit_code",
            [path.stem, severity, title],
        )
        n = con.execute("SELECT count(*) FROM checks.results WHERE check_id = ?", [path.stem]).fetchone()[0]
        counts[path.stem] = n
        progress(f"kiểm tra {path.stem} [{severity}]: {n} dòng bất thường")
    con.execute("CREATE OR REPLACE TABLE checks.summary (check_id VARCHAR, severity VARCHAR, title VARCHAR, rows_flagged BIGINT)")
    for path in sorted((sql_dir / "checks").glob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        con.execute("INSERT INTO checks.summary VALUES (?, ?, ?, ?)",
                    [path.stem, _header(sql, "severity") or "warning", _header(sql, "title") or path.stem, counts[path.stem]])
    return counts
