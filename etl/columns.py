"""What each mart column means, from `etl/sql/marts/columns.toml`: its definition, source, date basis and, for a ratio,
its denominator.

`apply(con)` writes them into the snapshot as column comments (`COMMENT ON COLUMN`), so an analyst reading the
snapshot sees them in `duckdb_columns()`; `etl/docs.py` writes them into docs/marts.md.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import duckdb

COLUMNS_PATH = Path(__file__).resolve().parent / "sql" / "marts" / "columns.toml"
FIELDS = ("definition", "source", "date_basis", "denominator")
REQUIRED = ("definition", "source", "date_basis")
# a column whose name says it is a ratio must state what it is divided by
RATIO = re.compile(r"_(pct|pp|per_100k|avg)(_|$)")

Docs = dict[str, dict[str, dict[str, str]]]


def load(path: Path = COLUMNS_PATH) -> Docs:
    """{mart: {column: {field: text}}}, as the file writes them."""
    with path.open("rb") as f:
        return tomllib.load(f)


def needs_denominator(column: str) -> bool:
    return RATIO.search(column) is not None


def comment_text(entry: dict[str, str]) -> str:
    """One line: the definition, then the source, the date basis and the denominator when there is one."""
    parts = [entry["definition"].rstrip(".") + "."]
    parts.append(f"Source: {entry['source']}.")
    parts.append(f"Date basis: {entry['date_basis']}.")
    if entry.get("denominator"):
        parts.append(f"Denominator: {entry['denominator']}.")
    return " ".join(" ".join(parts).split())


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def apply(con: duckdb.DuckDBPyConnection, docs: Docs | None = None) -> int:
    """Comment every documented column that exists in schema marts; returns how many were commented."""
    docs = load() if docs is None else docs
    existing = set(con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE schema_name = 'marts' AND database_name = current_database()").fetchall())
    n = 0
    for table, columns in docs.items():
        for column, entry in columns.items():
            if (table, column) in existing:
                con.execute(f"COMMENT ON COLUMN marts.{_ident(table)}.{_ident(column)} IS {_literal(comment_text(entry))}")
                n += 1
    return n
