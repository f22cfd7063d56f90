"""Text from source files is written as text, never read as markdown (app.formatting.md).

A facility, a vaccine lot, a directive, a member or a file named `![](http://example.invalid/x.png)` would otherwise
fetch an image from outside; one named `[Xem](javascript:alert(1))` would be a link. Checked four ways: md() itself
rendered by Streamlit; every page of a warehouse built through the real pipeline from an inbox carrying those names
(no markdown element holds them unescaped, and the page still names them, escaped); the browser on that warehouse (no
request leaves for example.invalid, no such <img> or javascript: link in the DOM); and a rule on the pages' source
(every value from the data enters markdown through F.md)."""
from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from builders import TICH_SON, headers, write_csv

pytest.register_assert_rewrite("conftest_app")
from conftest_app import VINH_YEN, build, open_page, table, write_app_inbox

from app import formatting as F
from etl import contracts as C

pytest_plugins = ["conftest_app"]
PROJECT = Path(__file__).resolve().parent.parent
PAGES = sorted((PROJECT / "pages").glob("*.py"))
IMG = "![](http://example.invalid/x.png)"
LINK = "[Xem](javascript:alert(1))"
# markdown syntax left unescaped: an image or a link opening ("![", "](") not preceded by a backslash
RAW_SYNTAX = re.compile(r"(?<!\\)!(?<!\\)\[|(?<!\\)\]\(")


# --- md() itself -----------------------------------------------------------------------------------------------------

def test_md_escapes_every_character_markdown_reads():
    # a word joiner (U+2060) after "://", "www" and "@": GFM makes a link of an address even with its ":" escaped
    assert F.md(IMG) == "\\!\\[\\]\\(http\\:\u2060//example\\.invalid/x\\.png\\)"
    assert F.md("www.a.vn, cdc@a.vn") == "www\u2060\\.a\\.vn, cdc@\u2060a\\.vn"
    assert F.md(LINK) == r"\[Xem\]\(javascript\:alert\(1\)\)"
    assert F.md("a\nb  c") == "a b c"  # a name never opens a new paragraph
    assert F.md(None) == "–" and F.md(float("nan")) == "–"
    assert F.md("Lô A-12") == r"Lô A\-12" and F.md("Phường Tích Sơn") == "Phường Tích Sơn"


@pytest.mark.parametrize("text", [IMG, LINK, "**đậm** _nghiêng_ `mã` $x$ :red[đỏ] <b>thẻ</b> # tiêu đề"])
def test_streamlit_draws_md_text_as_the_escaped_string(text):
    from streamlit.testing.v1 import AppTest

    def page(text: str) -> None:
        import streamlit as st

        from app import formatting as F

        st.markdown(F.md(text))

    at = AppTest.from_function(page, args=(text,)).run()
    assert not at.exception
    value = at.markdown[0].value
    assert value == F.md(text)
    assert not RAW_SYNTAX.search(value) and "javascript:" not in value and "http:" not in value
    # the escapes are backslashes before punctuation and word joiners: taking them away gives the source text back
    assert re.sub(r"\\(.)", r"\1", value).replace("\u2060", "") == text


# --- a warehouse whose free-text fields carry the attack strings ------------------------------------------------------

ATTACK_TARGETS = f"""
[report_schedule]
district_report_weekday = 0
grace_days = 0

[[quote]]
topic = "care_access"
text = "Không để F0 nào thiếu thuốc {LINK}"
source_document = "{IMG}"
provinces = ["26"]

[[target]]
id = "muc_tieu_thu"
kind = "coverage"
title = "Chỉ tiêu {IMG}"
source_document = "Văn bản {IMG}"
quote = "Trích dẫn {LINK}"
cohort = "18+"
dose = 2
threshold_pct = 95.0
population_version = "start"
deadline = "2021-11-01"
revisions = [{{ deadline = "2021-11-30", source_document = "{LINK}" }}]

[[min_interval]]
cohort = "18+"
from_dose = 1
to_dose = 2
days = 28
effective_from = "2021-03-08"
source_document = "Hướng dẫn của Bộ Y tế"
"""
REJECTED = f"{LINK}.csv"


def write_attack_inbox(inbox: Path) -> None:
    """The hand-made warehouse of conftest_app, with the attack strings in every free-text field a source file has:
    facility names, a vaccine product and lot, a directive's title, quote and documents, a member, a duty check's note,
    and the name of a file the pipeline rejects."""
    write_app_inbox(inbox)
    write_csv(inbox / "facilities/co_so.csv", headers(C.FACILITIES), [
        ["F01", IMG, VINH_YEN, "tuyến huyện", 100, "01/01/2022", ""],
        ["F02", LINK, "248", "tuyến huyện", 50, "01/01/2022", ""],
    ], when=dt.datetime(2022, 3, 1, 8, 0))
    write_csv(inbox / "stock/so_vac_xin.csv", headers(C.STOCK), [
        ["Tỉnh", "01/03/2022", IMG, LINK, "20/03/2022", 1000, 0, 0, 0, 1000],
        [VINH_YEN, "01/03/2022", "Moderna", "MD1", "31/12/2022", 500, 0, 0, 0, 500],
        [VINH_YEN, "14/03/2022", "Moderna", "MD1", "31/12/2022", 0, 0, 50, 0, 450],
    ], when=dt.datetime(2022, 3, 14, 18, 0))
    (inbox / "targets").mkdir(parents=True, exist_ok=True)
    (inbox / "targets/chi_tieu.toml").write_text(ATTACK_TARGETS, encoding="utf-8")
    write_csv(inbox / "assignments/phan_cong.csv", headers(C.ASSIGNMENTS), [[VINH_YEN, IMG, "uv.thu", LINK]],
              when=dt.datetime(2022, 3, 1, 8, 0))
    write_csv(inbox / "duty_checks/kiem_tra.csv", ["Mã xã", "Thời điểm kiểm tra", "Có người trực", "Ghi chú"],
              [[TICH_SON, "12/03/2022 09:30", "Không", LINK]], when=dt.datetime(2022, 3, 12, 18, 0))
    write_csv(inbox / "cases" / REJECTED, ["không phải", "báo cáo ca bệnh"], [["x", "y"]],
              when=dt.datetime(2022, 3, 14, 21, 0))


@pytest.fixture(scope="module")
def attack_data(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("attack") / "data", "26", write_attack_inbox)


MARKDOWN_ELEMENTS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success")


def markdown_texts(at) -> list[str]:
    """Every string of the page that Streamlit reads as markdown: text elements, and a metric's label, delta, help."""
    found = [str(e.value) for kind in MARKDOWN_ELEMENTS for e in getattr(at, kind)]
    for m in at.metric:
        found += [m.label, m.delta or "", m.proto.help]
    return found


def assert_no_raw_markdown(at, page: str) -> None:
    for text in markdown_texts(at):
        assert IMG not in text and LINK not in text, f"{page}: source text read as markdown: {text!r}"
        assert not RAW_SYNTAX.search(text), f"{page}: unescaped image or link syntax: {text!r}"


@pytest.fixture
def attack(use_data, attack_data):
    use_data(attack_data)
    return attack_data


@pytest.mark.parametrize("page", [None, *(f"pages/{p.name}" for p in PAGES)], ids=lambda p: p or "entry")
def test_no_page_reads_source_text_as_markdown(attack, page):
    at = open_page(page)
    assert_no_raw_markdown(at, page or "entry")


def test_the_pages_still_name_the_source_text_escaped(attack):
    at = open_page()  # the overview: the lot expiring first, its product
    deltas = [m.delta or "" for m in at.metric if m.label == "Lô hết hạn sớm nhất"]
    assert deltas == [f"{F.md(IMG)} lô {F.md(LINK)}, {F.md('Kho tỉnh (CDC)')}"]
    # tables are not markdown: the facility is named as its register writes it
    assert IMG in set(table(at, "exc_facilities")["Cơ sở"])

    at = open_page("pages/3_Ca_benh_co_so_dieu_tri.py")
    assert f"> Không để F0 nào thiếu thuốc {F.md(LINK)}  \n— {F.md(IMG)}" in [e.value for e in at.markdown]

    at = open_page("pages/6_Tien_do_chi_tieu.py")
    at.selectbox(key="dl_target").select("muc_tieu_thu").run()
    assert_no_raw_markdown(at, "6_Tien_do_chi_tieu (the attack target)")
    assert [e.value for e in at.subheader if "Chỉ tiêu" in e.value][0] == F.md(f"Chỉ tiêu {IMG}")
    text = "\n".join(e.value for e in at.markdown)
    assert f"> {F.md(f'Trích dẫn {LINK}')}" in text and f"**Văn bản:** {F.md(f'Văn bản {IMG}')}" in text
    assert F.md(f"30/11/2021 ({LINK})") in text
    at.selectbox(key="dl_district").select(VINH_YEN).run()
    assert_no_raw_markdown(at, "6_Tien_do_chi_tieu (a district)")
    assert any(F.md(f"Chỉ tiêu {IMG}") in e.value for e in at.caption)

    at = open_page("pages/7_Co_so_dieu_tri.py")
    assert {IMG, LINK} <= set(table(at, "facility_table")["Cơ sở"])
    assert list(table(at, "duty_gaps")["Ghi chú"]) == [LINK]

    at = open_page("pages/5_Chat_luong_so_lieu.py")
    assert any(LINK in name for name in table(at, "rejected")["Tệp"])
    at.selectbox(key="check_rows").select("facility_over_quota").run()
    assert_no_raw_markdown(at, "5_Chat_luong_so_lieu (facility_over_quota)")
    assert any(str(d).startswith(f"{IMG}: vượt định mức") for d in table(at, "check_detail")["Chi tiết"])


# --- in the browser ------------------------------------------------------------------------------------------------

# the pages that write the attack text outside a table (a table draws on a canvas), and text each shows once drawn
BROWSER_PAGES = [("/", "Chỉ tiêu tiêm chủng có nguy cơ trễ hạn", "Lô hết hạn sớm nhất"),
                 ("/Ca_benh_co_so_dieu_tri", "F0 chưa được cấp thuốc, chưa được theo dõi", f"thiếu thuốc {LINK}"),
                 ("/Tien_do_chi_tieu", "Hạn báo cáo và mốc kế hoạch", f"Trích dẫn {LINK}")]


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_the_browser_fetches_nothing_and_links_nowhere_for_source_text(attack, tmp_path, playwright):
    import conftest_app
    from test_browser import ARGS, CHROMIUM, LOCAL, assert_no_exception, require_chromium, serve, wait_drawn

    require_chromium()
    requested: list[str] = []
    with serve(attack, tmp_path / "server.log") as url:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 2600}, locale="vi-VN")
            session_for = getattr(conftest_app, "session_for", None)
            if session_for is not None:  # a dashboard that asks who views it: a signed-in committee member's cookie
                from app.signin import COOKIE

                context.add_cookies([{"name": COOKIE, "value": session_for(), "url": url}])
            page = context.new_page()

            def route(r):
                if LOCAL.match(r.request.url) or r.request.url.startswith(("data:", "blob:")):
                    r.continue_()
                else:
                    requested.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.on("request", lambda r: requested.append(r.url) if "example.invalid" in r.url else None)
            for path, drawn, shown in BROWSER_PAGES:
                page.goto(url + path)
                wait_drawn(page, drawn)
                assert_no_exception(page)
                # the source text is on the page as the characters it holds
                assert page.get_by_text(shown, exact=False).count() >= 1, (path, shown)
                assert page.locator('img[src*="example.invalid"]').count() == 0, path
                links = page.locator('a[href^="javascript:" i], a[href*="example.invalid"]')
                assert links.count() == 0, (path, [links.nth(i).evaluate("e => e.outerHTML") for i in range(links.count())])
        finally:
            browser.close()
    assert not [u for u in requested if "example.invalid" in u], requested


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


# --- the rule on the pages' source ------------------------------------------------------------------------------------

# Streamlit calls whose first argument is markdown; W.metric's label, help (3rd) and delta are markdown too.
MARKDOWN_CALLS = {"markdown", "caption", "info", "warning", "error", "success", "write", "title", "header",
                  "subheader", "toast"}
# F's writers of values the app formats itself (numbers, dates, labels), and md(): their result is safe whatever their
# argument. F.dashed passes its text through: its argument is checked.
F_PASSTHROUGH = {"dashed"}
APP_ALIASES = {"F", "SD", "D", "Dc", "V"}  # how pages import app.formatting, stockdata, allocation_data/decide/view
# helpers of app.frame whose text is built with the escaping writers of app.formatting
FRAME_SAFE = {"weekly_report_line"}


class MarkdownChecker:
    """Which expressions carry data into markdown unescaped. Data is a value read from a row, a frame or a mapping
    (a Subscript or an Attribute: r.unit_name, p['unit_name'], names[district]), a call of a query or helper, or a
    name assigned from one; safe are constants, F.md(...), W.show(...), F's other writers and constants, st widgets'
    values, f-strings and joins of safe parts, and the page's own functions that return safe text."""

    def __init__(self, module: ast.Module):
        self.functions = {n.name: n for n in ast.walk(module) if isinstance(n, ast.FunctionDef)}
        self.tainted: set[str] = set()
        self._checking: set[str] = set()
        # names assigned from data, to a fixed point (a name may be assigned from another)
        assigns = [n for n in ast.walk(module) if isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None]
        changed = True
        while changed:
            changed = False
            for node in assigns:
                if not self.safe(node.value):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        for name in ast.walk(target):
                            if isinstance(name, ast.Name) and name.id not in self.tainted:
                                self.tainted.add(name.id)
                                changed = True

    def safe(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.JoinedStr):
            return all(self.safe(v.value) for v in node.values if isinstance(v, ast.FormattedValue))
        if isinstance(node, ast.FormattedValue):
            return self.safe(node.value)
        if isinstance(node, ast.BinOp):
            return self.safe(node.left) and self.safe(node.right)
        if isinstance(node, ast.IfExp):
            return self.safe(node.body) and self.safe(node.orelse)
        if isinstance(node, ast.BoolOp):
            return all(self.safe(v) for v in node.values)
        if isinstance(node, (ast.Compare, ast.UnaryOp)):
            return True  # a bool
        if isinstance(node, ast.Name):
            return node.id not in self.tainted
        if isinstance(node, (ast.GeneratorExp, ast.ListComp, ast.SetComp)):
            return self.safe(node.elt)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return all(self.safe(e) for e in node.elts)
        if isinstance(node, ast.Attribute):
            return self._module_constant(node)
        if isinstance(node, ast.Subscript):
            return self._module_constant(node.value)  # F.SOURCES['platform'], F.COHORT_LONG[c]
        if isinstance(node, ast.Call):
            return self._safe_call(node)
        return False

    @staticmethod
    def _module_constant(node: ast.expr) -> bool:
        """F.SOURCES, SD.PACE_TEXT: an upper-case constant of an app module the page imports is text the code wrote,
        not data (a lower-case attribute, e.g. a row's field, is data)."""
        return (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in APP_ALIASES
                and node.attr.isupper())

    def _safe_call(self, node: ast.Call) -> bool:
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            owner, name = func.value.id, func.attr
            if owner == "F":
                return all(self.safe(a) for a in node.args) if name in F_PASSTHROUGH else True
            if owner == "W":
                return name == "show"
            if owner == "st":
                return True  # a widget's value: one of the options the page offers
        if isinstance(func, ast.Attribute):
            if func.attr == "join":
                return all(self.safe(a) for a in node.args)
            if func.attr in ("lower", "upper", "capitalize", "strip"):
                return self.safe(func.value)
            return False
        if isinstance(func, ast.Name):
            if func.id in ("len", "bool"):
                return True
            if func.id in ("sorted", "list", "set", "tuple"):
                return all(self.safe(a) for a in node.args)
            if func.id in FRAME_SAFE:
                return True
            if func.id in self.functions and func.id not in self._checking:
                self._checking.add(func.id)
                try:
                    returns = [n.value for n in ast.walk(self.functions[func.id])
                               if isinstance(n, ast.Return) and n.value is not None]
                    return all(self.safe(r) for r in returns)
                finally:
                    self._checking.discard(func.id)
        return False


def markdown_arguments(call: ast.Call) -> list[ast.expr]:
    """The arguments of a call that Streamlit reads as markdown (none when the call draws no markdown)."""
    func = call.func
    if isinstance(func, ast.IfExp):  # (st.warning if warn else st.markdown)(line)
        sides = [func.body, func.orelse]
        if all(isinstance(s, ast.Attribute) and s.attr in MARKDOWN_CALLS for s in sides):
            return call.args[:1]
        return []
    if not isinstance(func, ast.Attribute):
        return []
    owner = func.value.id if isinstance(func.value, ast.Name) else None
    if owner == "W" and func.attr == "metric":
        return [*call.args[:1], *call.args[2:4], *(k.value for k in call.keywords if k.arg in ("help", "delta"))]
    if func.attr == "metric" and owner != "W":
        return [*call.args[:1], *call.args[2:3], *(k.value for k in call.keywords if k.arg in ("help", "delta"))]
    if func.attr in MARKDOWN_CALLS and owner not in ("F", "W", "C", "q"):
        return [*call.args[:1], *(k.value for k in call.keywords if k.arg in ("body", "help"))]
    return []


def unescaped_offences(path: Path) -> list[str]:
    module = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    checker = MarkdownChecker(module)
    offences = []
    for node in ast.walk(module):
        if isinstance(node, ast.Call):
            for arg in markdown_arguments(node):
                if not checker.safe(arg):
                    offences.append(f"line {arg.lineno}: {ast.unparse(arg)[:80]}")
    return offences


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_write_data_into_markdown_only_through_md(path):
    assert unescaped_offences(path) == []


def test_the_markdown_rule_catches_data_written_raw(tmp_path):
    page = tmp_path / "9_X.py"
    page.write_text(
        "p = q.summary()\n"
        "where = one_province(f, 'k')[1]\n"
        "name = p['unit_name']\n"
        "st.markdown(f\"#### {p['unit_name']}\")\n"                                   # 4: a row's field
        "st.caption(f'{where}, ngày {F.date(day)}')\n"                                # 5: a name assigned from data
        "st.warning('Ở: ' + ', '.join(r.unit_name for r in rows.itertuples()))\n"   # 6: joined fields
        "W.metric('Lô', W.fig('x', 1, scope='26'), 'h', delta=f\"lô {s['lot']}\")\n"  # 7: a metric's delta
        "st.subheader(F.dashed(t['title']))\n"                                        # 8: dashed passes it through
        "(st.warning if warn else st.markdown)(name)\n"                               # 9
        "st.markdown(f\"#### {F.md(p['unit_name'])} {F.SOURCES['cases']} {W.show(W.fig('a', 1, scope='2'))}\")\n"
        "st.caption(f'{F.md(where)}: {F.COHORT_LONG[c].lower()}, {F.date(p[\"d\"])}')\n"
        "st.subheader(F.md(F.dashed(t['title'])))\n"
        "st.warning(', '.join(F.md(n) for n in rows['unit_name']))\n"
        "st.info(F.md(g) if g else 'Không có.')\n",
        encoding="utf-8")
    assert [o.split(":")[0] for o in unescaped_offences(page)] == [f"line {n}" for n in (4, 5, 6, 7, 8, 9)]
