"""Sign-in in a real browser on the bundled demo: the session survives a reload and a new tab through its cookie and
ends everywhere at sign-out (a copied id then opens nothing); two standing-committee members signed in at once, each
opening every page, read nothing of each other's districts."""
from __future__ import annotations

import pytest
from conftest_app import TEST_PASSWORD, session_for
from test_app_access import leaks, units
from test_browser import ARGS, CHROMIUM, PAGES, assert_no_exception, playwright, require_chromium, serve, wait_drawn

from app.signin import COOKIE

# a group of its own: its server is the demo's, and it runs beside test_browser's group on another worker
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_access")]
pytest_plugins = ["conftest_app"]
__all__ = ["playwright"]  # the module's one Playwright driver, as in test_browser

# The demo's assignments: uv.nguyenvana answers for Vĩnh Yên (243) and Phúc Yên (244), uv.hoangvane for Sông Lô (253).
MEMBERS = {"uv.nguyenvana": {"243", "244"}, "uv.hoangvane": {"253"}}
MY_DISTRICTS = "so với toàn tỉnh"  # the caption of "Huyện của tôi", for every role


@pytest.fixture(scope="module")
def demo_server(demo_build, tmp_path_factory):
    require_chromium()
    with serve(demo_build[1], tmp_path_factory.mktemp("streamlit") / "server.log") as url:
        yield url


def test_a_reload_and_a_new_tab_keep_the_session_and_sign_out_ends_it_everywhere(demo_server, demo_build, playwright):
    session_for("member", "uv.nguyenvana", data_dir=demo_build[1])  # the account, with TEST_PASSWORD
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    context = browser.new_context(viewport={"width": 1440, "height": 1400}, locale="vi-VN")
    page = context.new_page()
    page.goto(demo_server + "/")
    page.get_by_label("Tên đăng nhập").fill("uv.nguyenvana")
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    wait_drawn(page, MY_DISTRICTS)  # a member lands on their districts
    cookie = next(c for c in context.cookies() if c["name"] == COOKIE)
    assert cookie["sameSite"] == "Strict" and COOKIE not in page.url and cookie["value"] not in page.url
    page.reload()
    wait_drawn(page, MY_DISTRICTS)  # still signed in: no sign-in form
    other = context.new_page()
    other.goto(demo_server + "/Bao_phu_tiem_chung")
    wait_drawn(other, PAGES[1][1])
    assert other.get_by_label("Tên đăng nhập").count() == 0
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_label("Tên đăng nhập").wait_for(timeout=30_000)
    other.reload()
    other.get_by_label("Tên đăng nhập").wait_for(timeout=30_000)  # the other tab's session was the same: ended
    # the id copied before sign-out opens nothing in another browser
    thief = browser.new_context(locale="vi-VN")
    thief.add_cookies([{"name": COOKIE, "value": cookie["value"], "url": demo_server}])
    stolen = thief.new_page()
    stolen.goto(demo_server + "/")
    stolen.get_by_label("Tên đăng nhập").wait_for(timeout=30_000)
    browser.close()


def test_two_members_signed_in_at_once_read_nothing_of_each_others_districts(demo_server, demo_build, playwright):
    districts, communes = units(demo_build[1])
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    pages = {}
    for login in MEMBERS:
        context = browser.new_context(viewport={"width": 1440, "height": 2600}, locale="vi-VN")
        context.add_cookies([{"name": COOKIE, "value": session_for("member", login, data_dir=demo_build[1]),
                              "url": demo_server}])
        pages[login] = context.new_page()
    # "/" lands a member on "Huyện của tôi"; then the pages that list districts by name on screen (every page and
    # its Excel files and map data are probed per role in tests/test_app_access.py: here, two live sessions at once)
    shown = {"/Tien_do_chi_tieu", "/Bao_phu_tiem_chung", "/Ca_benh_co_so_dieu_tri"}
    for path, text, _ in [("/Huyen_cua_toi", MY_DISTRICTS, None), ("/Tong_quan", PAGES[0][1], None),
                          *((p, x, s) for p, x, s in PAGES if p in shown)]:
        # both members load the same page at the same time, then each is read
        for page in pages.values():
            page.goto(demo_server + path, wait_until="commit")
        for login, page in pages.items():
            wait_drawn(page, text)
            assert_no_exception(page)
            found = leaks(page.inner_text("body"), set(), MEMBERS[login], districts, communes)
            assert found == [], (login, path, found)
    browser.close()
