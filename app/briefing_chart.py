"""The F0 curve of the briefing pack as an SVG drawn here (vector in the PDF, no browser, no kaleido): new F0 per
report date as bars, the trailing 7-day average as a line; days on which not every commune had reported are still
filling, so their bars are hatched, their average dotted and the trailing run of them shaded and labelled, as on the
F0 page (app.charts.f0_trend), and the legend says so in words: it reads the same printed in greyscale."""
from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd

from app import formatting as F

WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 62, 14, 26, 86   # plot margins, px (the bottom holds the dates and the legend)
BAR, BAR_OPEN, LINE = "#7a9cc6", "#dde7f3", "#08306b"
SHADE = "#ececec"
INCOMPLETE = "chưa đủ xã báo cáo"
FONT = "'Noto Sans', 'DejaVu Sans', sans-serif"


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _top(value: float) -> tuple[float, float]:
    """A round top for the axis and its tick step (4–6 ticks)."""
    if value <= 0:
        return 5.0, 1.0
    raw = value / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return step * math.ceil(value / step), step


def f0_svg(trend: pd.DataFrame) -> str:
    """The SVG of cases_trend() rows (report_date, new_f0, new_f0_7d_avg_by_report_date, is_complete)."""
    trend = trend.reset_index(drop=True)
    n = len(trend)
    done = trend["is_complete"].fillna(False).astype(bool).to_numpy()
    new = trend["new_f0"].to_numpy(dtype=float, na_value=np.nan)
    avg = trend["new_f0_7d_avg_by_report_date"].to_numpy(dtype=float, na_value=np.nan)
    top, step = _top(float(np.nanmax(np.concatenate([new, avg, [0.0]]))))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(n, 1)

    def x(i: float) -> float:
        return LEFT + (i + 0.5) * slot

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    out = [f'<defs><pattern id="f0-mo" width="5" height="5" patternUnits="userSpaceOnUse" '
           f'patternTransform="rotate(45)"><rect width="5" height="5" fill="{BAR_OPEN}"/>'
           f'<line x1="0" y1="0" x2="0" y2="5" stroke="{LINE}" stroke-width="1.1"/></pattern></defs>']
    if n and not done[-1]:  # the trailing run of days still filling: the part of the curve that will still rise
        first = int(np.flatnonzero(done)[-1]) + 1 if done.any() else 0
        out.append(f'<rect x="{LEFT + first * slot:.1f}" y="{TOP}" width="{(n - first) * slot:.1f}" '
                   f'height="{plot_h}" fill="{SHADE}"/>'
                   f'<text x="{WIDTH - RIGHT}" y="{TOP - 8}" font-size="11" text-anchor="end">'
                   f'nền xám: {INCOMPLETE} →</text>')
    tick = 0.0
    while tick <= top + 1e-9:  # horizontal grid and the count axis
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#c8c8c8" '
                   f'stroke-width="0.6"/><text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" font-size="11" '
                   f'text-anchor="end">{F.num(tick)}</text>')
        tick += step
    for i in range(n):
        if np.isnan(new[i]):
            continue
        fill = BAR if done[i] else "url(#f0-mo)"
        h = max(plot_h * new[i] / top, 0.0)
        out.append(f'<rect x="{x(i) - slot * 0.4:.1f}" y="{y(new[i]):.1f}" width="{slot * 0.8:.1f}" '
                   f'height="{h:.1f}" fill="{fill}" stroke="{LINE}" stroke-width="{0.4 if done[i] else 0.7}"/>')
    out += _lines(avg, done, x, y)
    out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#333" '
               'stroke-width="1"/>')
    every = max(1, math.ceil(n / 9))
    for i in range(0, n, every):  # dates under the axis, about nine of them
        day = pd.Timestamp(trend["report_date"].iloc[i])
        out.append(f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{y(0):.1f}" y2="{y(0) + 4:.1f}" stroke="#333"/>'
                   f'<text x="{x(i):.1f}" y="{y(0) + 16:.1f}" font-size="11" text-anchor="middle">'
                   f'{day:%d/%m}</text>')
    out.append(f'<text x="14" y="{TOP + plot_h / 2:.1f}" font-size="11" text-anchor="middle" '
               f'transform="rotate(-90 14 {TOP + plot_h / 2:.1f})">Số ca F0 mới</text>'
               f'<text x="{LEFT + plot_w / 2:.1f}" y="{y(0) + 32:.1f}" font-size="11" text-anchor="middle">'
               'Ngày báo cáo</text>')
    out += _legend(HEIGHT - 30)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
            f'height="{HEIGHT}" font-family="{_e(FONT)}" role="img" aria-label="F0 mới theo ngày báo cáo">'
            f'{"".join(out)}</svg>')


def _lines(avg: np.ndarray, done: np.ndarray, x, y) -> list[str]:
    """The 7-day average: solid over complete days, dotted from the last complete day over the days still filling."""
    out = []
    for solid in (True, False):
        points = []
        last_done = int(np.flatnonzero(done)[-1]) if done.any() else -1
        for i, value in enumerate(avg):
            keep = done[i] if solid else i >= max(last_done, 0) and (not done[i] or i == last_done)
            if keep and not np.isnan(value):
                points.append(f"{x(i):.1f},{y(value):.1f}")
            elif len(points) > 1:
                out.append(_polyline(points, solid))
                points = []
            else:
                points = []
        if len(points) > 1:
            out.append(_polyline(points, solid))
    return out


def _polyline(points: list[str], solid: bool) -> str:
    dash = "" if solid else ' stroke-dasharray="2 3"'
    return (f'<polyline points="{" ".join(points)}" fill="none" stroke="{LINE}" stroke-width="{2.4 if solid else 2}"'
            f'{dash}/>')


def _legend(top: float) -> list[str]:
    items = [("bar", "F0 mới trong ngày"), ("open", f"F0 mới, ngày {INCOMPLETE}"),
             ("line", "Trung bình 7 ngày (lùi)"), ("dots", f"Trung bình 7 ngày, {INCOMPLETE}")]
    out, left = [], LEFT
    widths = (150, 230, 175, 250)
    for (kind, label), width in zip(items, widths, strict=True):
        if left + width > WIDTH and left > LEFT:
            left, top = LEFT, top + 16
        if kind in ("bar", "open"):
            fill = BAR if kind == "bar" else "url(#f0-mo)"
            out.append(f'<rect x="{left}" y="{top - 9}" width="14" height="11" fill="{fill}" stroke="{LINE}" '
                       'stroke-width="0.6"/>')
        else:
            dash = "" if kind == "line" else ' stroke-dasharray="2 3"'
            out.append(f'<line x1="{left}" x2="{left + 16}" y1="{top - 4}" y2="{top - 4}" stroke="{LINE}" '
                       f'stroke-width="2.2"{dash}/>')
        out.append(f'<text x="{left + 21}" y="{top}" font-size="11">{_e(label)}</text>')
        left += width
    return out
