"""The real thing: `streamlit run dashboard.py` against the hand-made warehouse, driven by Debian's chromium with every
request outside this machine blocked (provincial networks are closed). Screenshots go to tests/screenshots/."""
from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser_maps import MAP_UNITS as MAP_UNITS_JS
from browser_maps import ink, map_units, pixel
from ports import free_port, free_ports  # noqa: F401  (the other browser tests import them from here)

pytest_plugins = ["conftest_app"]
VINH_YEN = "243"
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

PROJECT = Path(__file__).resolve().parent.parent
SHOTS = PROJECT / "tests/screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
LOCAL = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/")
# (URL path, text only that page shows once it has drawn everything, screenshot name)
PAGES = [
    ("/", "Chỉ tiêu tiêm chủng có nguy cơ trễ hạn", "1_tong_quan"),
    ("/Bao_phu_tiem_chung", "Người chưa tiêm theo nhóm ưu tiên và lý do", "2_bao_phu_tiem_chung"),
    ("/Ca_benh_co_so_dieu_tri", "F0 chưa được cấp thuốc, chưa được theo dõi", "3_ca_benh_co_so_dieu_tri"),
    ("/Vac_xin_ton_kho", "Theo lô, hạn dùng gần nhất trước", "4_vac_xin_ton_kho"),
    ("/Chat_luong_so_lieu", "Kiểm tra số liệu của bản dữ liệu này", "5_chat_luong_so_lieu"),
    ("/Tien_do_chi_tieu", "Hạn báo cáo và mốc kế hoạch", "6_tien_do_chi_tieu"),
    ("/Co_so_dieu_tri", "Giường sẵn sàng so với định mức theo huyện", "7_co_so_dieu_tri"),
]


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        # Never a skip: a check that did not run would pass for one that did.
        pytest.fail(f"Debian's chromium is missing ({CHROMIUM}): the browser tests cannot run. Install it with "
                    "`apt-get install chromium` (tests/run.sh does), not `playwright install`.", pytrace=False)


@contextlib.contextmanager
def serve(data_dir: Path, log: Path):
    """`streamlit run dashboard.py` on a data directory, as the README starts it; yields its URL once it answers."""
    port = free_port()
    env = {**os.environ, "COVID_DATA_DIR": str(data_dir)}
    env.pop("COVID_PROVINCE", None)
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1"],
            cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, proc, log.read_text)
    try:
        yield url
    finally:
        stop(proc)
    assert "Traceback" not in log.read_text(), log.read_text()


def wait_healthy(url: str, proc: subprocess.Popen, output) -> None:
    """Poll the server's health endpoint until it answers; fail with its output if it dies or takes a minute."""
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the server did not start:\n{output()}")
            time.sleep(0.2)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def server(app_data, tmp_path_factory):
    require_chromium()
    with serve(app_data, tmp_path_factory.mktemp("streamlit") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def playwright():
    """One Playwright driver for the module: its sync API allows one running instance per thread."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def sign_in(page, url: str, data_dir, role: str = "committee", login: str | None = None,
            district: str | None = None) -> None:
    """The browser holds a signed-in session of `role`, as after the sign-in form: its cookie (app.signin.COOKIE)."""
    from conftest_app import session_for

    from app.signin import COOKIE

    token = session_for(role, login, district, data_dir=data_dir)
    page.context.add_cookies([{"name": COOKIE, "value": token, "url": url}])


@pytest.fixture(scope="module")
def browser_page(server, playwright, app_data):
    blocked: list[str] = []
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    # Tall enough that a whole page fits: Streamlit scrolls inside its own container, not the window.
    page = browser.new_page(viewport={"width": 1440, "height": 2600}, locale="vi-VN")
    sign_in(page, server, app_data)

    def route(r):
        url = r.request.url
        if LOCAL.match(url) or url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    page.route("**/*", route)
    yield page, blocked
    browser.close()


DRAWN = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid^="stSkeleton"], [data-testid="stAppSkeleton"]')
    && !document.querySelector('[data-stale="true"]')"""


def wait_drawn(page, text: str) -> None:
    """The page-specific text is there, the script has finished, and every element has replaced its placeholder
    (Streamlit loads charts and tables lazily and shows grey skeletons meanwhile)."""
    page.get_by_text(text, exact=False).first.wait_for(timeout=60_000)
    page.wait_for_function(DRAWN, timeout=60_000)


def assert_no_exception(page) -> None:
    body = page.inner_text("body")
    assert "Traceback" not in body and "Error" not in body.split()
    assert page.locator('[data-testid="stException"]').count() == 0


def test_the_overview_is_what_the_root_url_opens(server, browser_page):
    page, _ = browser_page
    page.goto(server + "/")
    wait_drawn(page, "Chỉ tiêu tiêm chủng có nguy cơ trễ hạn")
    body = page.inner_text("body")
    assert "18+ mũi 1 90,20%, mũi 2 71,43%, mũi 3 4,08%" in body
    assert "14/03/2022" in body


def test_the_map_names_every_district_offline_and_a_click_opens_the_district(server, browser_page):
    page, blocked = browser_page
    page.goto(server + "/Bao_phu_tiem_chung")
    wait_drawn(page, "Người chưa tiêm theo nhóm ưu tiên và lý do")
    units = map_units(page, "cov_map")
    assert len(units) == 9
    # every district has its own drawn label: its name and figure, with ink where the text is
    for code, unit in units.items():
        assert unit["label"] and unit["box"][2] > 20 and ink(page, unit["box"]) > 30, (code, unit)
    # the page opens on the nearest target, 12–17 dose 2: nobody in Vĩnh Yên has it, 0 % (18+ dose 1 is 90,95%)
    assert units[VINH_YEN]["label"] == ["TP. Vĩnh Yên", "0,00%"]
    # below 50 %: OrRd's darkest shade, on the screen's pixels as in the document
    assert units[VINH_YEN]["fill"] == "rgb(179, 0, 0)"
    assert pixel(page, *units[VINH_YEN]["inside"]) == (179, 0, 0)
    page.screenshot(path=str(SHOTS / "2_bao_phu_ban_do.png"))
    page.mouse.click(*units[VINH_YEN]["inside"])
    wait_drawn(page, "Các xã, phường, thị trấn của Thành phố Vĩnh Yên")
    page.wait_for_selector('svg#bd-cov_map path[data-code="243"][data-chon]', timeout=10_000)  # outlined
    assert_no_exception(page)
    page.screenshot(path=str(SHOTS / "2_bao_phu_cac_xa.png"))
    assert blocked == []


@pytest.mark.parametrize(("path", "text", "key", "name", "colour"), [
    # Vĩnh Yên: 466,7 F0 per 100.000, the darkest of 5 shades; 120 ÷ 150 = 80% of beds, the third
    ("/Ca_benh_co_so_dieu_tri", "F0 chưa được cấp thuốc, chưa được theo dõi", "f0_map", "3_f0_ban_do",
     (179, 0, 0)),
    ("/Co_so_dieu_tri", "Trạm y tế xã không có người trực khi kiểm tra", "occupancy_map", "7_cong_suat_ban_do",
     (252, 141, 89)),
    # the nearest target, 12–17 dose 2: no 12–17 dose given in Vĩnh Yên, 0 %, the darkest shade
    ("/Tien_do_chi_tieu", "Hạn báo cáo và mốc kế hoạch", "dl_map", "6_tien_do_ban_do", (179, 0, 0)),
])
def test_the_f0_and_occupancy_maps_name_every_district_offline(server, browser_page, path, text, key, name, colour):
    """The F0 rate map (page 3) and the occupancy map (page 7): every district drawn and named, those without
    figures hatched; a district at a known figure in its bin's colour."""
    page, blocked = browser_page
    page.goto(server + path)
    wait_drawn(page, text)
    page.get_by_role("tab", name=re.compile("Bản đồ")).first.click()
    units = map_units(page, key)
    assert len(units) == 9 and all(u["label"] and u["box"][2] > 20 for u in units.values())
    assert pixel(page, *units[VINH_YEN]["inside"]) == colour
    assert sum(u["fill"].startswith("url(") for u in units.values()) == 7  # hatched: no figure
    assert_no_exception(page)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert blocked == []


def test_the_commune_map_names_every_commune_offline(server, browser_page):
    """The province's communes (the warehouse's boundary file holds Vĩnh Yên's and Tam Đảo's): each drawn, named on
    the map or by its number in the key; Liên Bảo at 0 % of the 12–17 target cohort in the darkest shade."""
    page, blocked = browser_page
    page.goto(server + "/Bao_phu_tiem_chung")
    wait_drawn(page, "Người chưa tiêm theo nhóm ưu tiên và lý do")
    page.get_by_text("xã", exact=True).first.click()
    units = page.wait_for_function(f"() => {{ const u = ({MAP_UNITS_JS})('cov_map_xa'); "
                                   "return u && Object.keys(u).length > 9 ? u : false; }", timeout=30_000).json_value()
    key = page.locator("svg#bd-cov_map_xa text[font-size='12'] tspan").all_inner_texts()
    for code, unit in units.items():
        assert unit["label"] or f"{unit['number']}." in key, code
    drawn = [u for u in units.values() if u["label"]]
    assert drawn and all(ink(page, u["box"]) > 10 for u in drawn[:5])
    assert pixel(page, *units["08710"]["inside"]) == (179, 0, 0)
    assert_no_exception(page)
    page.screenshot(path=str(SHOTS / "2_bao_phu_ban_do_xa.png"))
    assert blocked == []


def test_the_excel_file_is_written_when_its_button_is_clicked(server, browser_page):
    """Tables hand their Excel file over on click (written then, not on every rerun): the file arrives, is a
    workbook, and has the table's Vietnamese headers."""
    import io

    import openpyxl

    page, blocked = browser_page
    page.goto(server + "/Vac_xin_ton_kho")
    wait_drawn(page, "Theo lô, hạn dùng gần nhất trước")
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="Tải bảng Excel").first.click()
    download = info.value
    assert download.suggested_filename == "ton_kho_theo_vac_xin_20220314.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
    assert [c.value for c in book.active[3]][:2] == ["Vắc xin", "Liều còn hạn"]
    assert blocked == []


ENGLISH = ("Download plot", "Zoom", "Pan", "Autoscale", "Reset axes", "Reset view", "Box Select", "Lasso Select",
           "Produced with Plotly", "Download as CSV", "Search", "Fullscreen", "Show/hide columns")
VISIBLE_LABELS = """() => Array.from(document.querySelectorAll('[title], [aria-label], [data-title]'))
    .filter(el => { const r = el.getBoundingClientRect(), s = getComputedStyle(el);
                    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.opacity !== '0'; })
    .map(el => ['title', 'aria-label', 'data-title'].map(a => el.getAttribute(a)).filter(Boolean).join(' | '))"""


@pytest.mark.parametrize(("path", "text"), [
    ("/Ca_benh_co_so_dieu_tri", "F0 chưa được cấp thuốc, chưa được theo dõi"),
    ("/Bao_phu_tiem_chung", "Người chưa tiêm theo nhóm ưu tiên và lý do"),
    ("/Vac_xin_ton_kho", "Theo lô, hạn dùng gần nhất trước"),
])
def test_hovering_a_chart_or_a_table_shows_no_english_toolbar(server, browser_page, path, text):
    page, blocked = browser_page
    page.goto(server + path)
    wait_drawn(page, text)
    seen = []
    for target in (".js-plotly-plot", '[data-testid="stDataFrame"]'):
        for element in page.locator(f"{target} >> visible=true").all()[:2]:
            element.scroll_into_view_if_needed()
            element.hover()
            page.wait_for_timeout(400)  # the toolbar fades in on hover
            seen += page.evaluate(VISIBLE_LABELS)
    assert page.locator('[data-testid="stDataFrame"]').count(), "no table hovered"
    english = [label for label in seen if any(word.lower() in label.lower() for word in ENGLISH)]
    assert english == [], english
    assert blocked == []


def test_a_date_typed_into_the_sidebar_picker_applies_on_enter(server, browser_page):
    page, _ = browser_page
    page.goto(server + "/")
    wait_drawn(page, "Chỉ tiêu tiêm chủng có nguy cơ trễ hạn")
    # the field is day / month / year segments: typing fills one and moves on to the next
    day = page.locator('[data-testid="stSidebar"] [data-testid="stDateInput"] [data-type="day"]')
    day.click()
    page.keyboard.type("07032022", delay=50)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.body.innerText.includes('Số liệu đến ngày 07/03/2022')", timeout=30_000)
    wait_drawn(page, "Chỉ tiêu tiêm chủng có nguy cơ trễ hạn")
    assert "85,71%" in page.inner_text("body")  # 18+ mũi 1 on 07/03: 21.000 / 24.500


# A briefing screen: the committee's laptops (1440 px) and the projector (1920 × 1080).
SCREENS = (1440, 1920)
# Every table drawn (visible): whether its columns fit the grid's own width, or it is one W.table made wide on
# purpose (wrapped in a `wide_<key>` container).
TABLE_FIT = """() => Array.from(document.querySelectorAll('[data-testid="stDataFrame"]'))
    .filter(el => el.offsetParent !== null && el.getBoundingClientRect().width > 0)
    .map(el => { const scroller = el.querySelector('.dvn-scroller');
                 const box = el.closest('[class*="st-key-table_"]');
                 return {key: box ? box.className.match(/st-key-table_(\\S+)/)[1] : '?',
                         wide: !!el.closest('[class*="st-key-wide_"]'),
                         content: scroller ? scroller.scrollWidth : -1, grid: scroller ? scroller.clientWidth : -1,
                         container: el.parentElement.getBoundingClientRect().width,
                         right: el.getBoundingClientRect().right}; })"""
# Text of every metric cut by its box: label, value and delta elements (and what they hold) wider inside than out.
METRIC_CUT = """() => Array.from(document.querySelectorAll('[data-testid="stMetric"] [data-testid="stMetricLabel"], '
        + '[data-testid="stMetric"] [data-testid="stMetricDelta"], [data-testid="stMetric"] [data-testid="stMetricValue"]'))
    .flatMap(el => [el, ...el.querySelectorAll('*')])
    .filter(el => el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
    .map(el => el.closest('[data-testid]').dataset.testid + ': ' + el.innerText + ' (' + el.scrollWidth + ' > '
               + el.clientWidth + ')')"""


# The page's height: the window grows to it, since a table's canvas grid below the window is not laid out.
PAGE_HEIGHT = """() => Math.ceil(Math.max(...['[data-testid="stMainBlockContainer"]', '[data-testid="stSidebarUserContent"]']
    .map(sel => document.querySelector(sel)).filter(Boolean).map(el => el.getBoundingClientRect().bottom)))"""
# Every visible table's canvas grid has its width (a tab just shown lays its grid out a frame later).
GRIDS_LAID_OUT = """() => Array.from(document.querySelectorAll('[data-testid="stDataFrame"]'))
    .filter(el => el.offsetParent !== null)
    .every(el => { const s = el.querySelector('.dvn-scroller'); return s !== null && s.clientWidth > 0; })"""


def whole_page_in_window(page, width: int) -> None:
    """The window as tall as the page, and every table's grid laid out."""
    page.set_viewport_size({"width": width, "height": max(2600, page.evaluate(PAGE_HEIGHT) + 40)})
    page.wait_for_function(GRIDS_LAID_OUT, timeout=30_000)


def open_every_part(page, width: int) -> None:
    """Expanders opened, so that the tables in them are drawn."""
    for summary in page.locator('[data-testid="stExpander"] summary').all():
        summary.click()
    page.wait_for_function(DRAWN, timeout=30_000)
    whole_page_in_window(page, width)


def settled_fit(page) -> list[dict]:
    """TABLE_FIT once two readings 200 ms apart agree (a grid just shown passes through provisional widths first)."""
    last = page.evaluate(TABLE_FIT)
    for _ in range(25):
        page.wait_for_timeout(200)
        now = page.evaluate(TABLE_FIT)
        if now == last:
            break
        last = now
    return last


def tables_in_every_tab(page, width: int) -> list[dict]:
    """TABLE_FIT of the page as it opens, then with each table tab shown."""
    seen = settled_fit(page)
    for tab in page.get_by_role("tab", name="Bảng số liệu").all():
        tab.click()
        page.wait_for_function(DRAWN, timeout=30_000)
        whole_page_in_window(page, width)
        seen += settled_fit(page)
    return seen


@pytest.mark.parametrize("width", SCREENS)
def test_every_page_draws_offline_fits_a_briefing_screen_and_cuts_no_figure(server, browser_page, width):
    """Each page at the width, opened once: it draws with no exception and no request leaving the machine
    (screenshot in tests/screenshots/); no metric label, value or delta is cut; and each table either fits (its
    columns, each as wide as its longest formatted text, within the main column) or scrolls sideways on purpose. No
    table reaches past the page."""
    page, blocked = browser_page
    page.set_viewport_size({"width": width, "height": 2600})
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        problems, tables, cut, metrics = [], [], [], 0
        for path, text, name in PAGES:
            page.goto(server + path)
            wait_drawn(page, text)
            assert "Ban Chỉ đạo phòng, chống dịch COVID-19" in page.inner_text("body")
            assert_no_exception(page)
            page.screenshot(path=str(SHOTS / (f"{name}.png" if width == 1440 else f"{name}_{width}.png")))
            metrics += page.locator('[data-testid="stMetric"]').count()
            cut += [f"{path} {c}" for c in page.evaluate(METRIC_CUT)]
            open_every_part(page, width)
            for t in tables_in_every_tab(page, width):
                tables.append(t)
                assert t["content"] > 0, t
                if t["right"] > width:
                    problems.append((path, t, "past the window"))
                if t["content"] > t["grid"] + 1 and not t["wide"]:
                    problems.append((path, t, "cut, not wide on purpose"))
                if t["grid"] > t["container"] + 1:
                    problems.append((path, t, "wider than its container"))
        assert blocked == [], f"requests leaving the machine: {blocked}"
        assert metrics >= 20 and len(tables) >= 15, (metrics, tables)
        assert cut == [], cut
        assert problems == [], problems
    finally:
        page.set_viewport_size({"width": 1440, "height": 2600})
