"""Screenshots of every page as a viewer sees it: whole page, 1440 px wide (or --width), Debian's Chromium, offline.

    python bench/screens.py [--data-dir bench/out/demo/data] [--out bench/out/screens] [--width 1920]

Starts `streamlit run dashboard.py` on the warehouse, opens each page, waits until everything has drawn (the map's
polygons included), grows the window to the page's height (Streamlit scrolls inside its own container, so a
"full page" screenshot of the window would cut it) and saves <out>/<n>_<page>.png; then clicks a district on the
coverage map and saves the page with its communes. Requests leaving the machine are blocked and listed.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "bench"))

from pages import ARGS, CHROMIUM, MAP_DRAWN, free_port, quiet_streamlit, session, start_server

from app.signin import COOKIE

WIDTH = 1440  # the committee's laptops; --width 1920 for a projector
LOCAL = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/")
DRAWN = """() => !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid^="stSkeleton"], [data-testid="stAppSkeleton"]')
    && !document.querySelector('[data-stale="true"]')"""
HEIGHT = """() => { const bottom = (sel) => { const el = document.querySelector(sel);
        return el ? el.getBoundingClientRect().bottom : 0; };
    return Math.ceil(Math.max(bottom('[data-testid="stMainBlockContainer"]'),
                              bottom('[data-testid="stSidebarUserContent"]'))); }"""
TALL = 2600  # the map must be inside the window to be clicked
# (URL path, screenshot name, the page's title, whether the page has a district map)
PAGES = [("/", "1_tong_quan", "Tổng quan", False),
         ("/Bao_phu_tiem_chung", "2_bao_phu_tiem_chung", "Bao phủ tiêm chủng", True),
         ("/Ca_benh_co_so_dieu_tri", "3_ca_benh_co_so_dieu_tri", "Ca bệnh F0", True),
         ("/Vac_xin_ton_kho", "4_vac_xin_ton_kho", "Vắc xin tồn kho", False),
         ("/Phan_bo_vac_xin", "10_phan_bo_vac_xin", "Phân bổ vắc xin", False),
         ("/Chat_luong_so_lieu", "5_chat_luong_so_lieu", "Chất lượng số liệu", False),
         ("/Tien_do_chi_tieu", "6_tien_do_chi_tieu", "Tiến độ thực hiện chỉ tiêu", False),
         ("/Co_so_dieu_tri", "7_co_so_dieu_tri", "Cơ sở thu dung, điều trị", True),
         ("/Giao_ban", "11_giao_ban", "Giao ban", False)]


def map_facts(data_dir: Path) -> tuple[int, str, str]:
    """Polygons the map draws, and a district to click (the first)."""
    quiet_streamlit()
    from app import queries as q
    from etl.settings import load_settings

    snapshot = q.snapshot_path(load_settings(data_dir))
    scope = q.all_districts(snapshot)
    meta = q.snapshot_meta(snapshot, scope)
    if meta["province_code"] == "00":  # the whole country draws one province, the first, on its map
        provinces = q.coverage_provinces(snapshot, scope, meta["last_date"], "18+", 1, "start", "coverage")
        scope = q.province_scope(snapshot, scope, provinces["unit_code"].iloc[0])
    shapes = q.district_shapes(snapshot, scope)
    first = shapes.iloc[0]
    return len(shapes), first["district_code"], first["district_name"]


# A point of a district's polygon on the screen, well inside it and not under a label: where a viewer would click.
INSIDE = """(code) => { const path = document.querySelector('svg.ban-do path[data-code="' + code + '"]');
    const box = path.getBBox(), ctm = path.getScreenCTM();
    for (let i = 1; i < 20; i++) for (let j = 1; j < 20; j++) {
        const p = new DOMPoint(box.x + box.width * i / 20, box.y + box.height * j / 20);
        if ([[0, 0], [5, 0], [-5, 0], [0, 5], [0, -5]].every(([dx, dy]) => path.isPointInFill(new DOMPoint(p.x + dx,
                                                                                                        p.y + dy)))) {
            const s = p.matrixTransform(ctm);
            if (document.elementFromPoint(s.x, s.y) === path) return [s.x, s.y];
        }
    }
    return null; }"""


def settle(page, with_map: bool, polygons: int, title: str | None = None) -> None:
    if title:  # the entry script switches to the overview: wait for the page itself, not the entry's empty frame
        page.locator("h1", has_text=title).first.wait_for(timeout=60_000)
    page.wait_for_function(DRAWN, timeout=60_000)
    if with_map and polygons:
        page.wait_for_function(MAP_DRAWN, arg=polygons, timeout=60_000, polling=50)
    page.wait_for_timeout(600)  # charts animate their first draw
    page.wait_for_function(DRAWN, timeout=60_000)


def shoot(page, path: Path, with_map: bool, polygons: int, title: str | None = None, width: int = WIDTH) -> None:
    settle(page, with_map, polygons, title)
    height = max(900, page.evaluate(HEIGHT) + 40)
    page.set_viewport_size({"width": width, "height": height})
    settle(page, with_map, polygons)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": width, "height": TALL})
    print(f"   {path} ({width} × {height})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=PROJECT / "bench/out/demo/data")
    parser.add_argument("--out", type=Path, default=PROJECT / "bench/out/screens")
    parser.add_argument("--width", type=int, default=WIDTH)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    polygons, code, name = map_facts(args.data_dir)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    blocked: list[str] = []
    with tempfile.TemporaryFile("w+") as log:
        server = start_server(args.data_dir, port, log)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page(viewport={"width": args.width, "height": TALL}, locale="vi-VN")
                # signed in as the committee (the whole province), as after the sign-in form
                page.context.add_cookies([{"name": COOKIE, "value": session(args.data_dir), "url": url}])
                page.route("**/*", lambda r: r.continue_() if LOCAL.match(r.request.url)
                           or r.request.url.startswith(("data:", "blob:")) else (blocked.append(r.request.url),
                                                                                  r.abort()))
                for path, shot, title, with_map in PAGES:
                    page.goto(url + path)
                    shoot(page, args.out / f"{shot}.png", with_map, polygons, title, args.width)
                # Click the first district on the map, at a point inside its polygon.
                page.goto(url + "/Bao_phu_tiem_chung")
                settle(page, True, polygons, "Bao phủ tiêm chủng")
                page.mouse.click(*page.evaluate(INSIDE, code))
                page.get_by_text(f"Các xã, phường, thị trấn của {name}").first.wait_for(timeout=60_000)
                page.mouse.move(0, 0)
                shoot(page, args.out / "2_bao_phu_chon_huyen.png", True, polygons, width=args.width)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
            log.seek(0)
            text = log.read()
    print(f"   district clicked: {name} ({code})")
    if blocked:
        print(f"   requests leaving the machine (blocked): {blocked}")
    if "Traceback" in text:
        print(text)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
