"""Who sees what: every page behind sign-in, and a viewer's districts enforced where the data is. The leak probe renders
every page of the bundled demo for a standing-committee member and for a district account and searches everything
drawn — text, tables, their Excel files, the maps' and charts' data — for a code or a name of a district (or commune)
that is not theirs; it is shown to catch a leak by removing the scope from one query."""
from __future__ import annotations

import io
import json
import re

import duckdb
import openpyxl
import pytest
from conftest_app import app_test, clear_caches, texts
from svgmaps import drawn_maps

from app import figures
from app import queries as q
from app import widgets as W
from app.frame import PAGES
from etl.settings import load_settings
from etl.snapshots import current_snapshot

pytest_plugins = ["conftest_app"]

MEMBER = "uv.nguyenvana"  # the demo's assignments: Thành phố Vĩnh Yên (243) and Thành phố Phúc Yên (244)
MEMBER_DISTRICTS = {"243", "244"}


@pytest.fixture
def demo(use_data, demo_build):
    return use_data(demo_build[1])


def units(data_dir) -> tuple[dict, dict]:
    """{district code: name}, {commune code: (name, district code)} of the demo's snapshot."""
    with duckdb.connect(str(current_snapshot(load_settings(data_dir))), read_only=True) as con:
        rows = con.execute("SELECT unit_code, unit_name, unit_level, district_code FROM marts.units "
                           "WHERE unit_level IN ('district', 'commune')").fetchall()
    districts = {c: n for c, n, level, _ in rows if level == "district"}
    communes = {c: (n, d) for c, n, level, d in rows if level == "commune"}
    return districts, communes


CODE_COLUMNS = ("unit_code", "district_code", "store_code", "province_code")


def drawn(at, recording: figures.Recording) -> tuple[str, set[str]]:
    """Everything a viewer can read or download from the pages rendered — the elements' text, every table's cells,
    its Excel file's cells, and the charts' and maps' data — and the unit codes among it (the code columns of the
    tables' rows, and the codes the charts and maps carry as strings)."""
    parts = [texts(at)]
    codes: set[str] = set()
    for table in recording.tables:
        shown = table["shown"]
        parts.append(shown.astype(str).to_csv())
        for column in CODE_COLUMNS:
            if column in shown.columns:
                codes |= {str(c) for c in shown[column].dropna()}
        book = openpyxl.load_workbook(io.BytesIO(W.excel_bytes(table["frame"], table["cols"])), read_only=True)
        parts += [str(v) for row in book.worksheets[0].iter_rows(values_only=True) for v in row if v is not None]
    for chart in at.get("plotly_chart"):
        spec = json.dumps(json.loads(chart.proto.spec), ensure_ascii=False)
        parts.append(spec)
        codes |= set(re.findall(r'"(\d{3}|\d{5})"', spec))
    for drawn_map in drawn_maps(at).values():  # names on the map, hover texts, and the codes its units carry
        parts.append(drawn_map.svg)
        codes |= set(re.findall(r'data-(?:code|nhan)="(\d{3}|\d{5})"', drawn_map.svg))
    return "\n".join(parts), codes


def leaks(text: str, codes: set[str], allowed: set[str], districts: dict, communes: dict) -> list[str]:
    """Codes and names of units outside `allowed` (district codes) among what was drawn. A name counts only where it
    is unique to units outside (commune names repeat across districts)."""
    inside = {n for c, n in districts.items() if c in allowed} | {n for n, d in communes.values() if d in allowed}
    found = []
    for code, name in districts.items():
        if code not in allowed:
            found += [f"mã huyện {code}"] * (code in codes) + [name] * (name in text and name not in inside)
    for code, (name, district) in communes.items():
        if district in allowed:
            continue
        found += [f"mã xã {code}"] * (code in codes)
        if not any(name in n for n in inside) and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text):
            found.append(name)
    return found


def render_every_page(at) -> tuple[object, figures.Recording]:
    with figures.recording() as rec:
        at.run()
        for path, _ in PAGES:
            at.switch_page(path).run()
            assert not at.exception, (path, [e.message for e in at.exception])
    return at, rec


def test_a_page_opened_without_signing_in_shows_the_sign_in_form_and_nothing_else(demo):
    from conftest_app import ENTRY
    from streamlit.testing.v1 import AppTest

    for path in [None, *(p for p, _ in PAGES)]:
        at = AppTest.from_file(ENTRY, default_timeout=30)
        at.run() if path is None else at.switch_page(path).run()
        assert [t.value for t in at.title] == ["Đăng nhập"], path
        assert not at.metric and not at.dataframe and not at.get("plotly_chart"), path


def test_a_member_sees_only_the_districts_assigned_to_them_on_every_page(demo):
    districts, communes = units(demo)
    at, rec = render_every_page(app_test(timeout=120, role="member", login=MEMBER))
    assert "Thành phố Vĩnh Yên" in texts(at) or any("Vĩnh Yên" in t["shown"].to_csv() for t in rec.tables)
    assert leaks(*drawn(at, rec), MEMBER_DISTRICTS, districts, communes) == []


def test_a_district_account_sees_only_its_district(demo):
    districts, communes = units(demo)
    at, rec = render_every_page(app_test(timeout=120, role="district", login="kiemthu.tamdao", district="248"))
    assert leaks(*drawn(at, rec), {"248"}, districts, communes) == []


def test_the_probe_catches_a_query_that_forgets_the_scope(demo, monkeypatch):
    """cases_units.sql with its scope filter removed: the F0 page lists every district, and the probe says so."""
    districts, communes = units(demo)
    original = q._sql

    def unscoped(name: str) -> str:
        sql = original(name)
        return sql.replace("list_contains($scope, m.district_code)", "$scope IS NOT NULL") if name == "cases_units" \
            else sql

    monkeypatch.setattr(q, "_sql", unscoped)
    clear_caches()
    at = app_test(timeout=120, role="member", login=MEMBER).run()
    with figures.recording() as rec:
        at.switch_page("pages/3_Ca_benh_co_so_dieu_tri.py").run()  # the page that reads cases_units
    found = leaks(*drawn(at, rec), MEMBER_DISTRICTS, districts, communes)
    assert "Huyện Tam Đảo" in found and "Huyện Sông Lô" in found, found


def test_a_district_asked_for_outside_the_scope_is_dropped_refused_and_audited(demo):
    """A member's tab whose state names Huyện Tam Đảo (248) for the coverage page's commune list, and a link whose
    query names it too: the page shows nothing of it, says no, and the administrators see the attempt."""
    from app.state import State

    log = State(load_settings(demo).data_dir / "state" / "state.sqlite3")
    at = app_test(timeout=120, role="member", login=MEMBER)
    at.session_state["cov_district"] = "248"
    at.query_params["huyen"] = "248"
    at.run()
    refused = log.audit_log(event="scope_refused", login=MEMBER)
    assert refused and refused[0]["detail"]["asked"] == {"cov_district": "248", "?huyen": "248"}
    # again, opening the coverage page itself: it says no, and draws nothing of Tam Đảo
    at.session_state["cov_district"] = "248"
    at.switch_page("pages/2_Bao_phu_tiem_chung.py").run()
    assert "Tài khoản này không được xem huyện ngoài phạm vi được phân công." in [e.value for e in at.error]
    assert at.selectbox(key="cov_district").value is None
    districts, communes = units(demo)
    with figures.recording() as rec:
        at.run()
    assert leaks(*drawn(at, rec), MEMBER_DISTRICTS, districts, communes) == []


def test_in_the_whole_country_snapshot_an_account_bound_to_a_province_sees_that_province_only(use_data,
                                                                                                 national_data):
    """The national test warehouse holds Phúc Xá (Hà Nội, 01) and Tích Sơn (Vĩnh Phúc, 26): a committee account bound to
    Vĩnh Phúc gets Vĩnh Phúc's districts (243–253), one bound to no province every district of the country, and on
    the coverage page only Vĩnh Phúc is offered."""
    from app import signin
    from app.state import Account, State

    data = use_data(national_data)
    store = State(load_settings(data).data_dir / "state" / "state.sqlite3")
    if store.account("bcd.vinhphuc") is None:
        store.create_account("bcd.vinhphuc", "Ban Chỉ đạo tỉnh Vĩnh Phúc", "committee", None, "mat-khau-kiem-thu",
                             chosen=True, province_code="26")
    snapshot = str(current_snapshot(load_settings(data)))
    every = q.all_districts(snapshot)
    bound = signin.scope_of(store.account("bcd.vinhphuc"), snapshot)
    assert set(bound) == {"243", "244", "246", "247", "248", "249", "251", "252", "253"}
    assert signin.scope_of(Account("bcd.toanquoc", "Toàn quốc", "committee", None, False, False), snapshot) == every
    at = app_test(timeout=60)
    at.session_state["_phien"] = store.new_session("bcd.vinhphuc", "127.0.0.1")
    at.run()
    at.switch_page("pages/2_Bao_phu_tiem_chung.py").run()
    assert not at.exception
    assert at.selectbox(key="cov_province").options == ["Tỉnh Vĩnh Phúc"]


@pytest.mark.parametrize("role", ["health", "admin"])
def test_the_whole_province_roles_open_every_page(use_data, app_data, role):
    """Sở Y tế / CDC and the administrators see every district: every page draws for them (the committee's every
    page: tests/test_app_figures.py; a member's and a district's, above)."""
    use_data(app_data)
    at, rec = render_every_page(app_test(role=role))
    assert "cả tỉnh" in texts(at) and rec.tables
