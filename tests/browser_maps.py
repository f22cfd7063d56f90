"""Reading a map (app.maps) as the browser drew it, for the browser tests."""
from __future__ import annotations


# Each map's units as the browser drew them: the polygons, a point inside each (found by the browser's own
# isPointInFill, in page pixels), its fill, its label's text and drawn size, or its number in the key.
MAP_UNITS = """(key) => { const svg = document.querySelector('svg#bd-' + key); if (!svg) return null;
    const out = {};
    for (const path of svg.querySelectorAll('path[data-code]')) {
        const code = path.dataset.code, box = path.getBBox(), ctm = path.getScreenCTM();
        let inside = null;
        for (let i = 1; i < 20 && !inside; i++) for (let j = 1; j < 20 && !inside; j++) {
            const p = new DOMPoint(box.x + box.width * i / 20, box.y + box.height * j / 20);
            // inside with a margin: 5 units from every edge, away from the outline's antialiased pixels
            const around = [[0, 0], [5, 0], [-5, 0], [0, 5], [0, -5]].map(([dx, dy]) => new DOMPoint(p.x + dx, p.y + dy));
            if (around.every(q => path.isPointInFill(q))) {
                const s = p.matrixTransform(ctm);
                const hit = document.elementFromPoint(s.x, s.y);
                if (hit === path) inside = [s.x, s.y];   // not under another unit's label or outline
            }
        }
        const label = svg.querySelector('text[data-nhan="' + code + '"]');
        const r = label ? label.getBoundingClientRect() : null;
        const number = svg.querySelector('text[data-so="' + code + '"]');  // set in the key under the map instead
        out[code] = {fill: getComputedStyle(path).fill, inside,
                     label: label ? Array.from(label.querySelectorAll('tspan')).map(t => t.textContent) : null,
                     number: number ? number.textContent : null,
                     box: r ? [r.x, r.y, r.width, r.height] : null};
    }
    return out; }"""


def map_units(page, key: str) -> dict:
    return page.wait_for_function(f"() => {{ const u = ({MAP_UNITS})('{key}'); "
                                  "return u && Object.keys(u).length >= 9 ? u : false; }", timeout=30_000).json_value()


def pixel(page, x: float, y: float) -> tuple[int, int, int]:
    import io

    from PIL import Image

    shot = page.screenshot(clip={"x": x, "y": y, "width": 1, "height": 1})
    return Image.open(io.BytesIO(shot)).convert("RGB").getpixel((0, 0))


def ink(page, box: list[float]) -> int:
    """Dark pixels inside a label's box: the text is drawn, not only present in the document."""
    import io

    from PIL import Image

    x, y, w, h = box
    shot = Image.open(io.BytesIO(page.screenshot(clip={"x": x, "y": y, "width": w, "height": h}))).convert("L")
    return sum(1 for v in shot.getdata() if v < 80)
