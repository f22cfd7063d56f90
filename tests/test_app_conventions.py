"""House rules of the dashboard, checked on the source: every page runs the frame first, pages only draw, one door
to the warehouse with bound parameters and the viewer's scope, nothing fetched from the internet."""
from __future__ import annotations

import ast
import inspect
import re
import tomllib
from pathlib import Path

import pytest

from app import mapdata, memo, queries, stockdata

PROJECT = Path(__file__).resolve().parent.parent
PAGES = sorted((PROJECT / "pages").glob("*.py"))
ENTRY = PROJECT / "dashboard.py"
APP = sorted((PROJECT / "app").glob("*.py"))
SQL = sorted((PROJECT / "app/sql").glob("*.sql"))
ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
# Province-wide facts every viewer may see: the snapshot's own metadata, the list of districts, source dates.
UNSCOPED = {"snapshot_version", "all_districts",
            "directive_quotes",  # no unit rows
            "allocation_approvals",  # no unit rows: which cohorts and doses each vaccine may be given for
            "has_table", "has_commune_shapes", "commune_geo_source", "commune_source",  # no unit rows
            "commune_boundary_report",  # whole-province viewers only (app.mapdata.boundary_report)
            "member_districts"}  # what makes a member's scope (app.signin.scope_of): keyed by their login


def tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def first_statement(module: ast.Module) -> ast.stmt:
    body = [s for s in module.body if not isinstance(s, (ast.Import, ast.ImportFrom))]
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    return body[0]


def test_there_are_pages():
    assert len(PAGES) >= 2


@pytest.mark.parametrize("path", [ENTRY, *PAGES], ids=lambda p: p.name)
def test_every_page_calls_the_frame_before_anything_else(path):
    module = tree(path)
    imported = {a.asname or a.name for s in module.body if isinstance(s, ast.ImportFrom) and s.module == "app.frame"
                for a in s.names}
    assert "frame" in imported, "the page must import frame from app.frame"
    stmt = first_statement(module)
    call = stmt.value if isinstance(stmt, (ast.Assign, ast.Expr)) else None
    assert isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "frame", \
        f"{path.name}: first statement is line {stmt.lineno}, not frame(...)"


def test_the_frame_is_the_only_way_pages_reach_settings_and_snapshots():
    for path in [ENTRY, *PAGES]:
        text = path.read_text(encoding="utf-8")
        for forbidden in ("load_settings", "current_snapshot", "COVID_DATA_DIR", "os.environ"):
            assert forbidden not in text, f"{path.name} uses {forbidden}"


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_only_draw_no_sql_no_arithmetic(path):
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\b(SELECT|FROM|JOIN|GROUP BY)\b", text), "SQL belongs in app/sql"
    assert "duckdb" not in text and "pandas" not in text
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ARITHMETIC):
            # joining text ("..." + "...") is drawing, not arithmetic
            texty = any(isinstance(side, ast.JoinedStr)
                        or (isinstance(side, ast.Constant) and isinstance(side.value, str))
                        for side in (node.left, node.right))
            assert texty, f"{path.name}:{node.lineno}: arithmetic in a page; compute it in a query"
        if isinstance(node, ast.Attribute):
            assert node.attr not in ("sum", "mean", "groupby", "merge", "pivot_table", "agg"), \
                f"{path.name}:{node.lineno}: .{node.attr} computes; the query should"


def test_only_the_query_module_opens_duckdb_and_only_read_only():
    for path in [ENTRY, *PAGES, *APP]:
        text = path.read_text(encoding="utf-8")
        if path.name == "queries.py":
            assert text.count("duckdb.connect(") == 1 and "read_only=True" in text
        else:
            assert "duckdb" not in text, path.name


def test_every_query_is_cached_bounded_keyed_by_snapshot_and_scoped_in_sql():
    """Cached in app.memo's bounded store (tests/test_app_memo.py shows the bounds), keyed by the snapshot first."""
    modules = (queries, mapdata, stockdata)  # mapdata, stockdata: through queries' own _query
    cached = {(module, name): fn for module in modules for name, fn in vars(module).items()
              if not name.startswith("_") and getattr(fn, "memo", None) is memo.MEMO and fn.__module__ == module.__name__}
    assert len(cached) >= 44
    assert memo.MEMO.max_entries <= 10_000 and memo.MEMO.ttl <= 24 * 3600
    for (module, name), fn in cached.items():
        source = inspect.getsource(module)
        block = source[:source.index(f"def {name}(")].rsplit("\n\n", 1)[-1]
        assert block.strip().startswith("@cached"), f"{name} is not cached by app.memo"
        params = list(inspect.signature(fn.__wrapped__ if hasattr(fn, "__wrapped__") else fn).parameters)
        assert params[0] == "snapshot", name
        if name not in UNSCOPED:
            assert "scope" in params, f"{name} must take the viewer's scope"


@pytest.mark.parametrize("path", SQL, ids=lambda p: p.name)
def test_every_query_file_states_its_rows_and_binds_its_values(path):
    sql = path.read_text(encoding="utf-8")
    assert sql.startswith("-- "), "first line: what one row is"
    assert "{" not in sql and "%s" not in sql, "values are bound as $parameters, never formatted in"
    if path.stem not in UNSCOPED:
        assert "list_contains($scope" in sql, f"{path.name} reads unit rows without applying the viewer's scope"


# App SQL selects, filters and sums: a figure's arithmetic is a mart column or a macro of etl/sql/macros.sql (one
# definition, stored in the snapshot). Operators and functions that compute a new value are refused outside filters
# (WHERE, JOIN … ON, FILTER, HAVING, QUALIFY), where + and − move a date window; an order comparison (< > <= >=)
# decides a status, so it too belongs to a macro, except in a filter or an ORDER BY.
COMPUTES = {"+", "-", "*", "/", "//", "%", "round", "ceil", "ceiling", "floor", "abs", "greatest", "least", "nullif",
            "epoch", "sqrt", "power", "pow", "ln", "log", "exp", "||", "concat", "strftime", "format", "printf",
            "date_diff", "datediff", "date_add"}
ORDERING = {"COMPARE_LESSTHAN", "COMPARE_GREATERTHAN", "COMPARE_LESSTHANOREQUALTO", "COMPARE_GREATERTHANOREQUALTO"}
FILTER_KEYS = {"where_clause", "condition", "filter", "having", "qualify"}


def computations(sql: str) -> list[str]:
    """What app SQL computes by itself: (function or comparison, the text at it), from DuckDB's own parse tree."""
    import json

    import duckdb

    parsed = json.loads(duckdb.connect().execute("SELECT json_serialize_sql($1)", [sql]).fetchone()[0])
    assert not parsed["error"], parsed.get("error_message")
    found = []

    def walk(node, in_filter: bool, in_order: bool) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, in_filter, in_order)
            return
        if not isinstance(node, dict):
            return
        where = node.get("query_location")
        at = sql[where:where + 30].replace("\n", " ") if isinstance(where, int) else ""
        if node.get("class") == "FUNCTION" and node["function_name"] in COMPUTES and not node.get("schema"):
            if not (in_filter and node["function_name"] in {"+", "-"}):
                found.append(f"{node['function_name']} at «{at}»")
        if node.get("class") == "COMPARISON" and node["type"] in ORDERING and not (in_filter or in_order):
            found.append(f"{node['type']} at «{at}»")
        for key, value in node.items():
            walk(value, in_filter or key in FILTER_KEYS, in_order or key == "orders")

    walk(parsed, False, False)
    return found


def test_the_arithmetic_guard_sees_what_it_refuses():
    assert [c.split()[0] for c in computations("SELECT round(100.0 * a / b, 2) AS x FROM t")] == ["round", "/", "*"]
    assert computations("SELECT a > b AS over FROM t") != []
    assert computations("SELECT 'Tỉnh ' || a FROM t") != []
    # filters, ordering, sums, equality dispatch and the snapshot's macros are what app SQL is for
    assert computations("SELECT sum(a), count(*) FILTER (WHERE a > 0), marts.share_pct(sum(a), sum(b)), "
                        "CASE $level WHEN 'x' THEN a ELSE b END FROM t WHERE d > $as_of - 7 ORDER BY a < b") == []


@pytest.mark.parametrize("path", SQL, ids=lambda p: p.name)
def test_app_sql_only_selects_filters_sums_and_calls_the_snapshot_macros(path):
    assert computations(path.read_text(encoding="utf-8")) == []


NUMBER_WRITERS = {"num", "pct", "signed"}  # app.formatting's number formats
RAW_DRAWERS = {"metric", "dataframe", "table", "data_editor"}  # st.* that draw numbers without app.figures


def _is_fig(node: ast.AST) -> bool:
    if isinstance(node, ast.IfExp):
        return _is_fig(node.body) and _is_fig(node.orelse)
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "fig"
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "W")


def figure_offences(path: Path) -> list[str]:
    offences = []
    for node in ast.walk(tree(path)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)):
            continue
        owner, name = node.func.value.id, node.func.attr
        if owner == "F" and name in NUMBER_WRITERS:
            offences.append(f"line {node.lineno}: F.{name} (use W.show(W.fig(...)))")
        if owner == "st" and name in RAW_DRAWERS:
            offences.append(f"line {node.lineno}: st.{name} (use W.metric / W.table)")
        if owner == "W" and name == "metric" and not (len(node.args) >= 2 and _is_fig(node.args[1])):
            offences.append(f"line {node.lineno}: W.metric without a W.fig")
        if owner == "st" and name == "plotly_chart" and "on_select" not in {k.arg for k in node.keywords}:
            # built once and replayed (app.replay); only a selectable chart, a widget, is drawn on every run
            offences.append(f"line {node.lineno}: st.plotly_chart (use W.chart)")
    return offences


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_draw_every_number_through_the_figure_recorder(path):
    """A number on a page is a W.fig drawn by W.metric or W.show, or a column of W.table: each is recorded (app.figures)
    and checked against every other drawing of the same figure (tests/test_app_figures.py). Formatting a number in the
    page, or drawing it with st.metric or st.dataframe, would bypass both."""
    assert figure_offences(path) == []


def test_the_figure_guard_refuses_a_number_formatted_in_a_page(tmp_path):
    page = tmp_path / "9_X.py"
    page.write_text("W.metric('a', F.num(3), 'h')\nst.metric('b', 1)\nW.metric('c', W.fig('x', 1, scope='26'), 'h')\n"
                    "st.plotly_chart(C.f0_trend(t))\nst.plotly_chart(fig, on_select='rerun')\n", encoding="utf-8")
    assert sorted(figure_offences(page)) == ["line 1: F.num (use W.show(W.fig(...)))", "line 1: W.metric without a W.fig",
                                             "line 2: st.metric (use W.metric / W.table)",
                                             "line 4: st.plotly_chart (use W.chart)"]


def test_queries_pass_sql_text_and_parameters_separately():
    module = tree(PROJECT / "app/queries.py")
    for node in ast.walk(module):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "execute":
            assert not isinstance(node.args[0], (ast.JoinedStr, ast.BinOp)), f"line {node.lineno}: built SQL"
            assert len(node.args) == 2, f"line {node.lineno}: parameters must be bound"


def test_nothing_is_fetched_from_the_internet():
    config = tomllib.loads((PROJECT / ".streamlit/config.toml").read_text(encoding="utf-8"))
    assert config["browser"]["gatherUsageStats"] is False
    assert config["logger"]["hideWelcomeMessage"] is True  # else the server asks the internet for its public IP
    for path in [ENTRY, *PAGES, *APP]:
        text = path.read_text(encoding="utf-8")
        # only this machine's own addresses (the launcher prints them and polls its server's health), and SVG's
        # namespace name (an identifier that is never fetched)
        assert not re.search(r"https?://(?!localhost\b|127\.0\.0\.1\b|\{|www\.w3\.org/2000/svg\")", text), \
            f"{path.name} names a URL"
        assert "px.choropleth(" not in text and "go.Choropleth(" not in text, "fetches a CDN topojson"
        assert "mapbox" not in text.lower() and ":material/" not in text, "tile server or icon font"
    # maps are drawn by the server as SVG (app/svgmap.py): no map library, no tiles, no glyphs
    assert not re.search(r"Choroplethmap|Scattermap|map_style", (PROJECT / "app/charts.py").read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", [ENTRY, *PAGES, *APP, *sorted((PROJECT / "tests").glob("test_app_*.py")),
                                  PROJECT / "tests/conftest_app.py", PROJECT / "tests/test_browser.py"],
                         ids=lambda p: p.name)
def test_modules_stay_small(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) < 400


def _pickers_without_placeholder(source: str) -> list[int]:
    """Lines of st.selectbox / st.multiselect calls that leave Streamlit's English placeholder ("Choose an option",
    "Choose options": shown whenever the box is empty, an empty multiselect at once)."""
    return [n.lineno for n in ast.walk(ast.parse(source))
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr in ("selectbox", "multiselect") and isinstance(n.func.value, ast.Name)
            and n.func.value.id == "st" and not any(k.arg == "placeholder" for k in n.keywords)]


@pytest.mark.parametrize("path", [*PAGES, *APP], ids=lambda p: p.name)
def test_every_picker_has_a_vietnamese_placeholder(path):
    assert _pickers_without_placeholder(path.read_text(encoding="utf-8")) == []


def test_the_placeholder_guard_sees_a_picker_without_one():
    assert _pickers_without_placeholder('st.multiselect("Huyện", ["1"])\nst.selectbox("A", [1], placeholder="Chọn…")\n'
                                        ) == [1]
