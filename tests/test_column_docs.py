"""Every mart column is documented (etl/sql/marts/columns.toml), the snapshot can carry that text as column comments,
and docs/marts.md lists the snapshot's macros with their comments."""
from __future__ import annotations

import duckdb
import pytest

from etl import columns as C
from etl.docs import render


@pytest.fixture(scope="module")
def mart_columns(tiny_warehouse) -> set[tuple[str, str]]:
    with duckdb.connect(str(tiny_warehouse), read_only=True) as con:
        return set(con.execute("SELECT table_name, column_name FROM information_schema.columns "
                               "WHERE table_schema = 'marts'").fetchall())


def test_every_mart_column_has_a_definition_a_source_and_a_date_basis(mart_columns):
    docs = C.load()
    missing = sorted(f"{t}.{c}" for t, c in mart_columns if c not in docs.get(t, {}))
    assert missing == [], "add these to etl/sql/marts/columns.toml"
    incomplete = sorted(f"{t}.{c}: {field}" for t, c in mart_columns for field in C.REQUIRED
                        if not str(docs[t][c].get(field, "")).strip())
    assert incomplete == []


def test_every_ratio_column_states_its_denominator(mart_columns):
    docs = C.load()
    ratios = {(t, c) for t, c in mart_columns if C.needs_denominator(c)}
    assert ("cases_metrics", "cfr_28d_pct") in ratios and ("stock_by_lot", "trailing_7d_avg_administered") in ratios
    assert ("facility_outlook", "net_admissions_7d_avg") in ratios and ("units", "unit_code") not in ratios
    without = sorted(f"{t}.{c}" for t, c in ratios if not docs.get(t, {}).get(c, {}).get("denominator", "").strip())
    assert without == []


def test_no_entry_documents_a_column_that_does_not_exist(mart_columns):
    stale = sorted(f"{t}.{c}" for t, cols in C.load().items() for c in cols if (t, c) not in mart_columns)
    assert stale == [], "remove or rename these in etl/sql/marts/columns.toml"


def test_entries_use_only_the_known_fields():
    odd = sorted(f"{t}.{c}.{k}" for t, cols in C.load().items() for c, e in cols.items() for k in e
                 if k not in C.FIELDS)
    assert odd == []


def test_the_ratio_rule_reads_the_column_name():
    assert C.needs_denominator("occupancy_pct") and C.needs_denominator("new_f0_7d_per_100k_by_report_date")
    assert C.needs_denominator("new_f0_7d_change_pct_by_report_date") and C.needs_denominator("trend_new_f0_7d_avg")
    assert C.needs_denominator("deviation_pp") and not C.needs_denominator("new_f0_7d_sum")
    assert not C.needs_denominator("average_age")


def test_comment_text_joins_the_fields_on_one_line():
    entry = {"definition": "Beds in use ÷ beds ready × 100.", "source": "facility_status",
             "date_basis": "status_date", "denominator": "beds_ready"}
    assert C.comment_text(entry) == ("Beds in use ÷ beds ready × 100. Source: facility_status. "
                                     "Date basis: status_date. Denominator: beds_ready.")
    del entry["denominator"]
    assert C.comment_text(entry).endswith("Date basis: status_date.")


def test_apply_puts_the_comment_on_the_column_and_skips_what_does_not_exist():
    docs = {"t": {"a": {"definition": "Doses the district's store received", "source": "stock",
                        "date_basis": "ledger date"},
                  "gone": {"definition": "x", "source": "y", "date_basis": "z"}},
            "missing_table": {"a": {"definition": "x", "source": "y", "date_basis": "z"}}}
    with duckdb.connect() as con:
        con.execute("CREATE SCHEMA marts; CREATE TABLE marts.t AS SELECT 1 AS a, 2 AS b")
        assert C.apply(con, docs) == 1
        comments = dict(con.execute("SELECT column_name, comment FROM duckdb_columns() "
                                    "WHERE schema_name = 'marts' AND table_name = 't'").fetchall())
    # the apostrophe survives the SQL literal
    assert comments == {"a": "Doses the district's store received. Source: stock. Date basis: ledger date.", "b": None}


def test_apply_comments_every_documented_column_of_the_snapshot(tiny_warehouse, tmp_path, mart_columns):
    import shutil

    copy = tmp_path / "snapshot.duckdb"
    shutil.copy(tiny_warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        assert C.apply(con) == len(mart_columns)
        comment = con.execute("SELECT comment FROM duckdb_columns() WHERE schema_name = 'marts' "
                              "AND table_name = 'facility_load_daily' AND column_name = 'occupancy_pct'").fetchone()[0]
        # marts.coverage is a view: its columns take comments too
        view = con.execute("SELECT comment FROM duckdb_columns() WHERE schema_name = 'marts' "
                           "AND table_name = 'coverage' AND column_name = 'population_start'").fetchone()[0]
    assert comment.startswith("Bed occupancy") and "Denominator: beds_ready" in comment
    assert "dân số đầu kỳ" in view


def test_render_documents_each_column_from_the_file(tiny_warehouse):
    with duckdb.connect(str(tiny_warehouse), read_only=True) as con:
        doc = render(con)
    row = next(line for line in doc.splitlines() if line.startswith("| `occupancy_pct` |"))
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    assert cells[1] == "DOUBLE" and cells[2].startswith("Bed occupancy") and cells[3].startswith("derived from")
    assert cells[5].startswith("beds_ready")
    assert "| column | type | definition | source | date basis | denominator |" in doc


def test_render_lists_a_macro_with_its_parameters_comment_and_definition():
    docs = {"t": {"a": {"definition": "a | b", "source": "s", "date_basis": "d"}}}
    with duckdb.connect() as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE MACRO marts.pct(part, whole) AS round(100.0 * part / nullif(whole, 0), 2)")
        con.execute("COMMENT ON MACRO marts.pct IS 'Percent of whole, 2 decimals; NULL when whole is 0'")
        con.execute("CREATE MACRO marts.either(a) AS a, (a, b) AS a || b")
        con.execute("CREATE MACRO marts.bare(x) AS x")
        doc = render(con, docs)
    macros = doc[doc.index("## Macros"):].splitlines()
    rows = [line for line in macros if line.startswith("| `")]
    assert [r.split(" | ")[0] for r in rows] == ["| `marts.bare`", "| `marts.either`", "| `marts.pct`"]  # name order
    assert rows[2] == ("| `marts.pct` | `(part, whole)` | Percent of whole, 2 decimals; NULL when whole is 0 | "
                       '`round(((100.0 * part) / "nullif"(whole, 0)), 2)` |')
    # an overloaded macro is one row, its overloads' parameters side by side; `|` is escaped inside the code span
    assert rows[1].startswith("| `marts.either` | `(a)` or `(a, b)` |") and rows[1].endswith("| `a` or `(a \\|\\| b)` |")
    assert rows[0] == "| `marts.bare` | `(x)` |  | `x` |"
