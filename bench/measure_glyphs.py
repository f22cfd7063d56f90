"""Measures the advance width of every character the dashboard's tables show, in the font Streamlit's data grid
(glide-data-grid) draws them with, and writes app/glyph_widths.json (read by app/textwidth.py).

    .venv/bin/python bench/measure_glyphs.py [--check-only]

How: a one-table Streamlit app is served by this project's Streamlit (`python -m streamlit run`, headless, on a free
port) and opened in Debian's chromium (/usr/bin/chromium, through playwright; never `playwright install`). The grid's
fonts are read where the grid itself keeps them (the --gdg-base-font-style, --gdg-header-font-style and
--gdg-font-family variables glide-data-grid sets on its container, and every `font` the page assigns to a canvas
context), the font files are loaded the way Streamlit serves them (document.fonts.load), and a canvas in the page
measures every character with measureText. It also checks that the sum of the advances of 30 real strings is within
1 px of measureText of the whole string (kerning), and prints the grid's cell padding and header icon size.
--check-only prints the measurements without writing the file."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
from datetime import date
from pathlib import Path

from pages import free_port, healthy  # bench/pages.py, beside this script

PROJECT = Path(__file__).resolve().parent.parent
OUT = PROJECT / "app" / "glyph_widths.json"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

VIETNAMESE_LOWER = ("aàáảãạăằắẳẵặâầấẩẫậ" "đ" "eèéẻẽẹêềếểễệ" "iìíỉĩị" "oòóỏõọôồốổỗộơờớởỡợ"
                    "uùúủũụưừứửữự" "yỳýỷỹỵ")
SYMBOLS = "–—×≥≤…·“”‘’«»°±−→←↑↓•₫€ "  # ↑/↓: Streamlit prefixes a sorted column's header with "↑ " or "↓ "
CHARACTERS = "".join(dict.fromkeys(
    [chr(c) for c in range(0x20, 0x7F)] + list(VIETNAMESE_LOWER) + list(VIETNAMESE_LOWER.upper()) + list(SYMBOLS)))

# Real strings of the dashboard's tables (labels, names, figures, dates, statuses).
STRINGS = [
    "Thiếu tại ngày hạn (người)", "Huyện Tam Đảo", "1.151.154", "99,82%", "15/03/2022", "có nguy cơ trễ hạn",
    "Thành phố Vĩnh Yên", "chưa nộp (quá hạn 12 ngày)", "Tỉnh Vĩnh Phúc", "Huyện Yên Lạc", "Thị xã Phúc Yên",
    "Mũi 3 – người từ 18 tuổi", "Đã tiêm ≥ 2 mũi", "Tỷ lệ bao phủ (%)", "08:30 15/03/2022", "–", "12–17 tuổi",
    "Số ca F0 mới", "Trạm Y tế xã Đạo Tú", "Bệnh viện Đa khoa tỉnh", "nộp muộn 3 ngày", "đúng hạn",
    "Ngày báo cáo gần nhất", "Vắc xin AstraZeneca", "Pfizer × 2", "TỔNG CỘNG", "Đơn vị", "1.234,5",
    "↑ Huyện", "Quận Hoàn Kiếm", "Tây Ninh", "Yên Bái", "AVAVAV Tỷ Tô",
]

APP = textwrap.dedent('''
    import pandas as pd
    import streamlit as st
    st.dataframe(pd.DataFrame({"Huyện": ["Huyện Tam Đảo", "Thành phố Vĩnh Yên"], "Số người": [1151154, 99]}),
                 hide_index=True)
''')

PROBE = """() => {
    const el = document.querySelector('[data-testid="stDataFrameGlideDataEditor"]')
        || document.querySelector('.gdg-wmyidgi') || document.querySelector('[data-testid="stDataFrame"] canvas');
    let node = el;
    const vars = {};
    while (node && node instanceof Element) {
        const s = getComputedStyle(node);
        for (const v of ['--gdg-base-font-style', '--gdg-header-font-style', '--gdg-font-family',
                         '--gdg-cell-horizontal-padding', '--gdg-cell-vertical-padding']) {
            const value = s.getPropertyValue(v).trim();
            if (value && !(v in vars)) vars[v] = value;
        }
        node = node.parentElement;
    }
    return {vars, fonts: Array.from(window.__canvasFonts || []), dpr: window.devicePixelRatio};
}"""

MEASURE = """async ([font, chars, strings]) => {
    await document.fonts.load(font, chars + strings.join(''));
    await document.fonts.ready;
    const ctx = document.createElement('canvas').getContext('2d');
    ctx.font = font;
    const advances = {};
    const overhang = {};  // ink right of the advance (a last glyph's ink may pass the end of the text's width)
    for (const c of chars) {
        const m = ctx.measureText(c);
        advances[c] = m.width;
        overhang[c] = m.actualBoundingBoxRight - m.width;
    }
    const whole = {};
    for (const s of strings) whole[s] = ctx.measureText(s).width;
    const kerning = {};
    for (const a of chars) for (const b of chars) {
        const k = ctx.measureText(a + b).width - advances[a] - advances[b];
        if (Math.abs(k) > 0.001) kerning[a + b] = k;
    }
    const faces = Array.from(document.fonts).filter(f => f.status === 'loaded')
        .map(f => `${f.family} ${f.weight} ${f.style}`);
    return {set: ctx.font, advances, whole, kerning, overhang, faces};
}"""

HOOK = """
window.__canvasFonts = new Set();
const d = Object.getOwnPropertyDescriptor(CanvasRenderingContext2D.prototype, 'font');
Object.defineProperty(CanvasRenderingContext2D.prototype, 'font', {
    get() { return d.get.call(this); },
    set(v) { window.__canvasFonts.add(v); d.set.call(this, v); },
    configurable: true,
});
"""


def serve(app: Path, port: int, log) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true",
                             "--server.port", str(port), "--server.address", "127.0.0.1",
                             "--browser.gatherUsageStats", "false"],
                            cwd=app.parent, stdout=log, stderr=subprocess.STDOUT)
    return healthy(proc, port, log)


def measure() -> dict:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryFile("w+") as log:
        app = Path(tmp) / "one_table.py"
        app.write_text(APP, encoding="utf-8")
        port = free_port()
        server = serve(app, port, log)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                page.add_init_script(HOOK)
                page.goto(f"http://127.0.0.1:{port}/")
                page.wait_for_selector('[data-testid="stDataFrame"] canvas', timeout=60_000)
                page.wait_for_timeout(1500)
                probe = page.evaluate(PROBE)
                family = probe["vars"]["--gdg-font-family"]
                base = f'{probe["vars"]["--gdg-base-font-style"]} {family}'
                header = f'{probe["vars"]["--gdg-header-font-style"]} {family}'
                fonts = {"base": base, "header": header}
                result = {"probe": probe, "fonts": fonts, "chromium": browser.version}
                for name, font in fonts.items():
                    result[name] = page.evaluate(MEASURE, [font, CHARACTERS, STRINGS])
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    return result


KERN_NEGATIVE_KEPT = -0.25  # negative kerning (glyphs drawn closer) smaller than this is left out: never too narrow


def model(advances: dict, kerning: dict, text: str) -> float:
    """app/textwidth.py's width before its safety margin: advances plus the kept kerning of each adjacent pair."""
    return sum(advances[c] for c in text) + sum(kerning.get(a + b, 0.0) for a, b in zip(text, text[1:]))


def main() -> None:
    check_only = "--check-only" in sys.argv
    r = measure()
    print("grid container variables:", json.dumps(r["probe"]["vars"], ensure_ascii=False))
    print("fonts assigned to canvases:", r["probe"]["fonts"])
    print("chromium", r["chromium"], "devicePixelRatio", r["probe"]["dpr"])
    same = r["base"]["advances"] == r["header"]["advances"] and r["base"]["kerning"] == r["header"]["kerning"]
    print("header font:", r["fonts"]["header"], "- same advances and kerning as cells:", same)
    m = r["base"]
    kept = {p: round(k, 3) for p, k in m["kerning"].items() if k > 0 or k <= KERN_NEGATIVE_KEPT}
    print(f"\ncells: {r['fonts']['base']!r} (canvas reads back {m['set']!r}); faces loaded: {m['faces']}")
    print(f"kerned pairs: {len(m['kerning'])}, kept {len(kept)} (every positive one, negative ones ≤ "
          f"{KERN_NEGATIVE_KEPT})")
    print(f"largest ink overhang right of a glyph's advance: "
          f"{max(m['overhang'].values()):.2f} px ({max(m['overhang'], key=m['overhang'].get)})")
    worst_sum, worst_model = 0.0, 0.0
    for s, whole in m["whole"].items():
        summed = sum(m["advances"][c] for c in s)
        modelled = model(m["advances"], kept, s)
        worst_sum = max(worst_sum, abs(summed - whole))
        worst_model = max(worst_model, abs(modelled - whole))
        print(f"   {s!r:34} measureText {whole:8.3f}  sum of advances {summed - whole:+.3f}  "
              f"with kerning {modelled - whole:+.3f}  {whole / len(s):.2f} px/char")
    print(f"   largest |sum of advances − measureText| {worst_sum:.3f} px, with kept kerning {worst_model:.3f} px")
    if check_only:
        return
    out = {
        "how": ("canvas measureText in Debian's chromium, in the font of Streamlit's data grid (glide-data-grid), "
                "read from the grid's --gdg-* CSS variables in a running one-table Streamlit app; advances of single "
                "characters, kerning = measureText of a pair minus both advances (every positive pair, negative "
                f"pairs <= {KERN_NEGATIVE_KEPT} px); generated by bench/measure_glyphs.py"),
        "streamlit": __import__("streamlit").__version__,
        "chromium": r["chromium"],
        "date": date.today().isoformat(),
        "font": r["fonts"]["base"],
        "header_font": r["fonts"]["header"],
        "cell_horizontal_padding_px": int(r["probe"]["vars"]["--gdg-cell-horizontal-padding"].removesuffix("px")),
        "advances": {c: round(w, 4) for c, w in m["advances"].items()},
        "kerning": kept,
    }
    if not same:
        raise SystemExit("the header font measures differently from the cell font: app/textwidth.py needs a "
                         "header table")
    text = json.dumps(out, ensure_ascii=False, indent=0)
    OUT.write_text(text + "\n", encoding="utf-8")
    print("written", OUT.relative_to(PROJECT), f"({len(text.encode()) // 1024} KB)")


if __name__ == "__main__":
    main()
