"""Maps drawn by the server as SVG: every unit's polygon filled by its bin's colour, every unit named on the map with
its figure under the name, the legend drawn in. No plotly.js, no tiles, no glyph server: the browser draws plain SVG
as soon as the page's elements arrive (a plotly map waited about 1,8 s for Chromium to compile plotly's 4,7 MB
bundle), every label stays on screen (MapLibre hides labels that overlap), and the same SVG goes into a PDF as vector
shapes and text.

Geometry: the snapshot's GeoJSON polygons (WGS84) are projected with geopandas to the UTM zone of the province (metres,
true shapes), simplified as one coverage so that neighbours keep their shared edges (shapely.coverage_simplify, to
about half a pixel), and scaled to a fixed drawing width; the page scales the SVG to its column.

Labels sit inside their polygon at its representative point (a point surely inside, unlike the centroid of a
crescent). A label that does not fit inside is set beside the polygon with a leader line; one that finds no free
place is replaced by a number and named in a key under the map. Never hover-only: hovering a unit also shows its
numerator, denominator and value (the SVG's <title>), and the table twin has every figure.
"""
from __future__ import annotations

import functools
import html
import math
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.ops
from shapely.geometry import box as shapely_box

from app.textwidth import text_px

WIDTH = 760          # the drawing's width in px: the page's main column at 1440 px, so 13 px text reads as 13 px
MAX_HEIGHT = 620
PAD = 8              # margin around the polygons, px
NAME_PX, FIGURE_PX, LINE_PX = 13, 12, 15      # a district map's labels
DENSE = 30                                    # more units than this (a commune map): smaller labels, a key in columns
DENSE_PX = (11, 10, 12)
LEADER_PX = 90       # how far from its unit a label may be set, with a leader line, before it becomes a number
LEGEND_SWATCH, LEGEND_ROW = 14, 22
FONT = "'Source Sans', 'Noto Sans', 'DejaVu Sans', sans-serif"
_BASE_PX = 14        # app.textwidth measures the table font at 14 px


@dataclass(frozen=True)
class Geometry:
    """Units projected and scaled to the drawing: SVG path data, a label anchor and a polygon (px) per unit."""
    codes: tuple[str, ...]
    names: tuple[str, ...]
    paths: tuple[str, ...]
    anchors: tuple[tuple[float, float], ...]
    polygons: tuple  # shapely geometries in px, for fitting labels
    width: int
    height: int


def _path(geometry) -> str:
    parts = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.round(np.asarray(ring.coords)[:-1], 1)
            if len(xy) < 3:
                continue
            parts.append("M" + "L".join(f"{x:g} {y:g}" for x, y in xy) + "Z")
    return "".join(parts)


def _polygons_only(geometry):
    """The polygonal part of a geometry: the shipped national file has a few GeometryCollections (a polygon plus a
    stray line left by simplification)."""
    if geometry is None or geometry.is_empty:
        return shapely.Polygon()
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


@functools.lru_cache(maxsize=64)
def geometry(shapes: tuple[tuple[str, str, str], ...], width: int = WIDTH, max_height: int = MAX_HEIGHT) -> Geometry:
    """(code, name, GeoJSON text) rows projected to a drawing `width` px wide (at most `max_height` high)."""
    import geopandas as gpd  # imported on the first map drawn: the pages without a map do not pay for it

    codes = tuple(c for c, _, _ in shapes)
    names = tuple(n for _, n, _ in shapes)
    parsed = [_polygons_only(shapely.from_geojson(text)) for _, _, text in shapes]
    series = gpd.GeoSeries(parsed, crs="EPSG:4326")
    projected = series.to_crs(series.estimate_utm_crs()) if len(series) else series
    minx, miny, maxx, maxy = projected.total_bounds if len(series) else (0, 0, 1, 1)
    span_x, span_y = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    scale = min((width - 2 * PAD) / span_x, (max_height - 2 * PAD) / span_y)
    # simplified together at half a pixel: a shared border stays one line, so no slivers open between neighbours
    simple = shapely.coverage_simplify(np.asarray(projected.values), tolerance=0.5 / scale)
    height = int(math.ceil(span_y * scale + 2 * PAD))
    left = (width - span_x * scale) / 2

    def to_px(coords: np.ndarray) -> np.ndarray:
        return np.column_stack([left + (coords[:, 0] - minx) * scale, PAD + (maxy - coords[:, 1]) * scale])

    polygons = tuple(shapely.make_valid(shapely.transform(g, to_px)) for g in simple)
    anchors = tuple((p.representative_point().x, p.representative_point().y) if not p.is_empty else (0.0, 0.0)
                    for p in polygons)
    return Geometry(codes, names, tuple(_path(p) for p in polygons), anchors, polygons, width, height)


def _text_width(text: str, size: int, bold: bool = False) -> float:
    return text_px(text) * size / _BASE_PX * (1.06 if bold else 1.0)


def sizes(units: int) -> tuple[int, int, int]:
    """(name, figure, line) sizes in px of the labels of a map of so many units."""
    return (NAME_PX, FIGURE_PX, LINE_PX) if units <= DENSE else DENSE_PX


@dataclass(frozen=True)
class Label:
    code: str
    lines: tuple[str, ...]
    x: float             # centre of the text block
    y: float             # top of the text block
    inside: bool
    leader: tuple[float, float, float, float] | None = None  # from the anchor to the block
    number: int | None = None                                 # set in the key instead


def _block(lines: tuple[str, ...], size: tuple[int, int, int]) -> tuple[float, float]:
    name_px, figure_px, line_px = size
    widths = [_text_width(lines[0], name_px, True), *(_text_width(t, figure_px) for t in lines[1:])]
    return max(widths) + 4, line_px * len(lines) + 2


def place_labels(geo: Geometry, lines: dict[str, tuple[str, ...]]) -> list[Label]:
    """Every unit's label: inside its polygon where the block fits (largest units first), else beside it with a
    leader line where a free place is found within LEADER_PX mostly off the land (the margin, or a unit's edge), else
    a number at the unit and its name and figure in the key under the map."""
    size = sizes(len(geo.codes))
    land = shapely.union_all([p for p in geo.polygons if not p.is_empty]).buffer(0)
    placed: list = []
    labels: list[Label] = []
    order = sorted(range(len(geo.codes)), key=lambda i: -geo.polygons[i].area)
    canvas = shapely_box(0, 0, geo.width, geo.height)
    outside: list[int] = []
    for i in order:
        code = geo.codes[i]
        if code not in lines or geo.polygons[i].is_empty:
            continue
        w, h = _block(lines[code], size)
        ax, ay = geo.anchors[i]
        block = shapely_box(ax - w / 2, ay - h / 2, ax + w / 2, ay + h / 2)
        polygon = geo.polygons[i]
        if (polygon.buffer(2).contains(block) or block.intersection(polygon).area >= 0.8 * block.area) \
                and not any(block.intersects(b) for b in placed) and canvas.contains(block):
            placed.append(block)
            labels.append(Label(code, lines[code], ax, ay - h / 2, True))
        else:
            outside.append(i)
    number = 0
    anchors_px = [shapely.Point(a).buffer(3) for a in geo.anchors]
    for i in outside:
        code = geo.codes[i]
        w, h = _block(lines[code], size)
        ax, ay = geo.anchors[i]
        spot = None
        for radius in range(int(h) + 10, LEADER_PX, 8):
            for step in range(16):
                angle = math.pi * 2 * step / 16
                cx, cy = ax + radius * math.cos(angle), ay + radius * math.sin(angle)
                block = shapely_box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                if canvas.contains(block) and not any(block.intersects(b) for b in placed) \
                        and not any(block.intersects(a) for j, a in enumerate(anchors_px) if j != i) \
                        and block.intersection(land).area <= 0.35 * block.area:
                    spot = (cx, cy, block)
                    break
            if spot:
                break
        if spot:
            cx, cy, block = spot
            placed.append(block)
            end = shapely.ops.nearest_points(block.exterior, shapely.Point(ax, ay))[0]
            labels.append(Label(code, lines[code], cx, cy - h / 2, False, (ax, ay, end.x, end.y)))
        else:
            number += 1
            labels.append(Label(code, lines[code], ax, ay, False, number=number))
    return labels


@dataclass(frozen=True)
class Style:
    """How each unit is filled: a colour, or a pattern for data to review and for no data."""
    fills: dict[str, str]            # code -> colour "#rrggbb" or "flag" / "none"
    legend: list[tuple[str, str]]    # (fill, label) in order


def _luminance(colour: str) -> float:
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


FLAG_STROKE = "#6a3d9a"   # purple cross-hatch: a data problem, apart from every orange-red shade
NONE_STROKE = "#8c8c8c"


def _fill(kind: str, uid: str) -> str:
    return {"flag": f"url(#{uid}-rasoat)", "none": f"url(#{uid}-trong)"}.get(kind, kind)


def _defs(uid: str) -> str:
    return (f'<defs><pattern id="{uid}-rasoat" width="7" height="7" patternUnits="userSpaceOnUse">'
            f'<rect width="7" height="7" fill="#f2e6f7"/><path d="M0 0L7 7M7 0L0 7" stroke="{FLAG_STROKE}" '
            'stroke-width="1.3"/></pattern>'
            f'<pattern id="{uid}-trong" width="6" height="6" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{NONE_STROKE}" stroke-width="1.2"/></pattern></defs>')


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _text(label: Label, fill: str, size: tuple[int, int, int]) -> str:
    dark = fill.startswith("#") and _luminance(fill) < 0.42 and label.inside
    colour, halo = ("#ffffff", "#3b0a00") if dark else ("#1a1a1a", "#ffffff")
    out = []
    if label.leader:
        x1, y1, x2, y2 = label.leader
        out.append(f'<line class="dan" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"/>'
                   f'<circle class="dan" cx="{x1:.1f}" cy="{y1:.1f}" r="2"/>')
    if label.number is not None:
        return (f'<text class="nhan so" data-so="{_e(label.code)}" x="{label.x:.1f}" y="{label.y + 4:.1f}" '
                f'fill="{colour}" stroke="{halo}">'
                f'{label.number}</text>')
    spans = []
    name_px, figure_px, line_px = size
    for k, line in enumerate(label.lines):
        px, weight = (name_px, "600") if k == 0 else (figure_px, "400")
        spans.append(f'<tspan x="{label.x:.1f}" y="{label.y + line_px * (k + 1) - 3:.1f}" font-size="{px}" '
                     f'font-weight="{weight}">{_e(line)}</tspan>')
    out.append(f'<text class="nhan" data-nhan="{_e(label.code)}" fill="{colour}" stroke="{halo}">{"".join(spans)}</text>')
    return "".join(out)


def render(geo: Geometry, style: Style, lines: dict[str, tuple[str, ...]], hovers: dict[str, str], *, uid: str,
           title: str, note: str | None = None, selected: str | None = None, clickable: bool = False) -> str:
    """The SVG of a map: polygons, labels, the key of numbered labels, the legend (`title` above its swatches) and
    an optional note under it (e.g. "ranh giới minh họa")."""
    labels = place_labels(geo, lines)
    numbered = [lab for lab in labels if lab.number is not None]
    fills = {c: _fill(style.fills.get(c, "none"), uid) for c in geo.codes}
    body = []
    for code, name, path in zip(geo.codes, geo.names, geo.paths, strict=True):
        if not path:
            continue
        chosen = ' data-chon="1"' if code == selected else ""
        body.append(f'<path class="dv{" bam" if clickable else ""}" data-code="{_e(code)}"{chosen} '
                    f'fill="{fills[code]}" d="{path}"><title>{_e(hovers.get(code, name))}</title></path>')
    size = sizes(len(geo.codes))
    texts = [_text(lab, style.fills.get(lab.code, "none"), size) for lab in labels]
    y = geo.height + 6
    below = []
    # the key of numbered labels, in as many columns as fit the width
    entries = [(lab.number, " — ".join(lab.lines)) for lab in numbered]
    if entries:
        column = max(_text_width(f"{n}. {t}", 12) for n, t in entries) * 1.08 + 24
        columns = max(1, min(len(entries), int((geo.width - 2 * PAD) // column)))
        rows = -(-len(entries) // columns)
        for k, (number, text) in enumerate(entries):
            x = PAD + (k // rows) * column
            below.append(f'<text x="{x:.0f}" y="{y + 13 + (k % rows) * 16}" font-size="12"><tspan font-weight="600">'
                         f'{number}.</tspan> {_e(text)}</text>')
        y += rows * 16 + 2
    below.append(f'<text x="{PAD}" y="{y + 14}" font-size="13" font-weight="600">{_e(title)}</text>')
    y += 22
    x = PAD
    for kind, text in style.legend:
        w = LEGEND_SWATCH + 6 + _text_width(text, 12) + 16
        if x + w > geo.width and x > PAD:
            x, y = PAD, y + LEGEND_ROW
        below.append(f'<rect class="o" x="{x}" y="{y}" width="{LEGEND_SWATCH}" height="{LEGEND_SWATCH}" '
                     f'fill="{_fill(kind, uid)}"/><text x="{x + LEGEND_SWATCH + 6}" y="{y + 12}" font-size="12">'
                     f'{_e(text)}</text>')
        x += w
    y += LEGEND_ROW
    if note:
        below.append(f'<text x="{PAD}" y="{y + 10}" font-size="12" font-style="italic">{_e(note)}</text>')
        y += 18
    height = y + 4
    style_css = (f"#{uid} .dv{{stroke:#ffffff;stroke-width:1.2}} #{uid} .dv[data-chon]{{stroke:#111;stroke-width:2.5}} "
                 f"#{uid} .bam{{cursor:pointer}} #{uid} .dv:hover{{stroke:#111;stroke-width:2}} "
                 f"#{uid} .nhan{{paint-order:stroke;stroke-width:3px;stroke-linejoin:round;text-anchor:middle;"
                 f"pointer-events:none}} #{uid} .so{{font-size:{size[0]}px;font-weight:600}} "
                 f"#{uid} .dan{{stroke:#333;stroke-width:1;fill:#333}} #{uid} .o{{stroke:#666;stroke-width:.6}}")
    return (f'<svg id="{uid}" class="ban-do" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {geo.width} {height}" '
            f'width="100%" style="max-width:{geo.width}px;height:auto" font-family="{_e(FONT)}" role="img" '
            f'aria-label="{_e(title)}"><style>{style_css}</style>{_defs(uid)}<g>{"".join(body)}</g>'
            f'<g>{"".join(texts)}</g><g>{"".join(below)}</g></svg>')
