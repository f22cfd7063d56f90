"""Pure DataFrame -> Figure functions. Offline by construction: go.Choroplethmap with the "white-bg" style (no tile
server, no glyph server: no text layers on the map), plotly.js bundled by Streamlit. Numbers use Vietnamese
separators (layout.separators) and hover texts come preformatted from app.formatting."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from app import formatting as F

FLAG_COLOUR = "#cc79a7"   # Okabe–Ito reddish purple: apart from every cividis shade, for data problems
NO_DATA_COLOUR = "#d9d9d9"
# Okabe–Ito: distinguishable with every common colour-vision deficiency.
CATEGORY_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#d55e00", "#56b4e9", "#f0e442", "#cc79a7", "#000000")
SEPARATORS = ",."  # decimal comma, dot thousands
DATE_FORMAT = "%d/%m/%Y"


@dataclass(frozen=True)
class Bins:
    index: np.ndarray      # bin of each row, an index into labels and colours
    labels: list[str]
    colours: list[str]


def _cividis(n: int) -> list[str]:
    return sample_colorscale("cividis", [i / max(n - 1, 1) for i in range(n)])


def _nice_step(span: float, parts: int) -> float:
    raw = max(span / parts, 1.0)
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def bins_for(values: pd.Series, metric: str) -> Bins:
    """Labelled bins: fixed thresholds the committee uses for percentages; round steps for people counts.
    Values that are a data problem (coverage over 100%, negative drop-out or unvaccinated) get their own bin."""
    v = pd.to_numeric(values, errors="coerce").astype("Float64")
    if metric == "coverage":
        edges = [0, 50, 80, 90, 95, 99, 100.0001]
        labels = ["dưới 50%", "50–80%", "80–90%", "90–95%", "95–99%", "99–100%"]
        flag_label, flagged = "trên 100% (cần rà soát)", v > 100
    elif metric == "dropout":
        edges = [0, 5, 10, 20, 1e9]
        labels = ["dưới 5%", "5–10%", "10–20%", "từ 20% trở lên"]
        flag_label, flagged = "âm (cần rà soát)", v < 0
    else:
        top = float(v.max()) if v.notna().any() and float(v.max()) > 0 else 1.0
        step = _nice_step(top, 5)
        edges = [i * step for i in range(math.ceil(top / step) + 1)]
        edges[-1] += 1e-9
        labels = [f"{F.num(a)}–{F.num(b)}" for a, b in pairwise(edges)]
        flag_label = "âm (cần rà soát)" if metric == "rate" else "âm: đã tiêm nhiều hơn dân số (cần rà soát)"
        flagged = v < 0
    index = np.full(len(v), -1)
    arr = v.to_numpy(dtype=float, na_value=np.nan)
    ok = ~np.isnan(arr)
    index[ok] = np.clip(np.searchsorted(edges, arr[ok], side="right") - 1, 0, len(labels) - 1)
    colours = _cividis(len(labels))
    flagged_arr = flagged.fillna(False).to_numpy(dtype=bool)
    index[flagged_arr] = len(labels)
    labels, colours = labels + [flag_label], colours + [FLAG_COLOUR]
    if (index < 0).any():  # a district with no population figure is drawn grey, not left blank
        index[index < 0] = len(labels)
        labels, colours = labels + ["chưa có số liệu"], colours + [NO_DATA_COLOUR]
    return Bins(index=index, labels=labels, colours=colours)


def _polygonal(geometry: dict) -> dict:
    """The polygons of a geometry as Polygon or MultiPolygon: the shipped national file has a few GeometryCollections
    (a polygon plus a stray line left by simplification), which the map would not draw and has no coordinates."""
    kind = geometry.get("type")
    if kind in ("Polygon", "MultiPolygon"):
        return geometry
    parts = []
    for part in geometry.get("geometries", []) if kind == "GeometryCollection" else []:
        part = _polygonal(part)
        if part.get("type") == "Polygon":
            parts.append(part["coordinates"])
        elif part.get("type") == "MultiPolygon":
            parts += part["coordinates"]
    return {"type": "MultiPolygon", "coordinates": parts}


def _centre_zoom(features: list[dict], width: float, height: float) -> tuple[dict, float]:
    lons, lats = [], []

    def walk(coords):
        if isinstance(coords[0], (int, float)):
            lons.append(coords[0])
            lats.append(coords[1])
        else:
            for c in coords:
                walk(c)

    for f in features:
        for polygon in f["geometry"]["coordinates"]:
            walk(polygon)
    if not lons:
        return {"lon": 105.8, "lat": 21.0}, 6.0
    mid_lat = (min(lats) + max(lats)) / 2
    lon_span = max(max(lons) - min(lons), 0.01)
    # Mercator stretches latitude by 1/cos(lat); at zoom z MapLibre draws the world 512·2^z pixels wide.
    lat_span = max((max(lats) - min(lats)) / math.cos(math.radians(mid_lat)), 0.01)
    zoom = min(math.log2(width * 360 / (512 * lon_span)), math.log2(height * 360 / (512 * lat_span))) - 0.25
    return {"lon": (min(lons) + max(lons)) / 2, "lat": mid_lat}, zoom


def choropleth(units: pd.DataFrame, shapes: pd.DataFrame, metric: str, numerator_label: str,
               denominator_label: str, value_label: str, height: int = 520) -> go.Figure:
    """Districts coloured by labelled bins of `value`; hover shows name, numerator, denominator and value."""
    features = [{"type": "Feature", "id": r.district_code, "properties": {"name": r.district_name},
                 "geometry": _polygonal(json.loads(r.geometry_geojson))} for r in shapes.itertuples()]
    data = units[units["unit_code"].isin(shapes["district_code"])].reset_index(drop=True)
    bins = bins_for(data["value"], metric)
    value_text = [F.pct(v) if metric in ("coverage", "dropout") else F.num(v, 1 if metric == "rate" else 0)
                  for v in data["value"]]
    flags = ["<br><b>Cần rà soát số liệu</b>" if bins.colours[b] == FLAG_COLOUR else "" for b in bins.index]
    custom = np.stack([data["unit_code"], data["unit_name"], [F.num(v) for v in data["numerator"]],
                       [F.num(v) for v in data["denominator"]], value_text, flags], axis=-1) if len(data) else None
    n = len(bins.labels)
    colours = bins.colours
    scale = []
    for i, colour in enumerate(colours):
        scale += [[i / n, colour], [(i + 1) / n, colour]]
    z = bins.index.astype(float)
    # The map is drawn about 1.5 times as wide as high in the page's main column, minus the colour bar.
    centre, zoom = _centre_zoom(features, width=height * 1.3, height=height)
    fig = go.Figure(go.Choroplethmap(
        geojson={"type": "FeatureCollection", "features": features}, locations=data["unit_code"], z=z,
        zmin=-0.5, zmax=n - 0.5, colorscale=scale, customdata=custom, marker={"line": {"color": "white", "width": 1.2}},
        colorbar={"title": {"text": value_label}, "tickvals": list(range(n)), "ticktext": bins.labels,
                  "len": 0.9, "thickness": 16},
        hovertemplate=(f"<b>%{{customdata[1]}}</b><br>{numerator_label}: %{{customdata[2]}}<br>"
                       f"{denominator_label}: %{{customdata[3]}}<br>{value_label}: %{{customdata[4]}}"
                       "%{customdata[5]}<extra></extra>"),
    ))
    fig.update_layout(map={"style": "white-bg", "center": centre, "zoom": zoom}, height=height,
                      margin={"l": 0, "r": 0, "t": 0, "b": 0}, separators=SEPARATORS, clickmode="event+select",
                      hoverlabel={"font": {"size": 14}})
    return fig


def f0_trend(trend: pd.DataFrame, height: int = 360) -> go.Figure:
    """New F0 per report date (bars) and the trailing 7-day average (line)."""
    dates = [F.date(d) for d in trend["report_date"]]
    fig = go.Figure()
    fig.add_bar(x=trend["report_date"], y=trend["new_f0"], name="F0 mới trong ngày", marker_color="#56b4e9",
                customdata=np.stack([dates, [F.num(v) for v in trend["new_f0"]]], axis=-1) if len(trend) else None,
                hovertemplate="%{customdata[0]}: %{customdata[1]} F0 mới<extra></extra>")
    fig.add_scatter(x=trend["report_date"], y=trend["avg7"], name="Trung bình 7 ngày (lùi)", mode="lines",
                    line={"color": "#0072b2", "width": 3},
                    customdata=np.stack([dates, [F.num(v, 1) for v in trend["avg7"]]], axis=-1) if len(trend) else None,
                    hovertemplate="%{customdata[0]}: trung bình 7 ngày %{customdata[1]}<extra></extra>")
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 10, "b": 10}, separators=SEPARATORS,
                      legend={"orientation": "h", "y": 1.1}, bargap=0.1,
                      xaxis={"tickformat": DATE_FORMAT}, yaxis={"title": {"text": "Số ca"}, "tickformat": ",d"})
    return fig


def facility_flow(flow: pd.DataFrame, height: int = 340) -> go.Figure:
    """Admissions, discharges and referrals up per status date (lines)."""
    dates = [F.date(d) for d in flow["status_date"]]
    fig = go.Figure()
    series = {"admissions": "Tiếp nhận", "discharges": "Ra viện", "referred_up": "Chuyển tuyến trên"}
    for i, (col, name) in enumerate(series.items()):
        fig.add_scatter(x=flow["status_date"], y=flow[col], name=name, mode="lines+markers",
                        line={"color": CATEGORY_COLOURS[i], "width": 2},
                        customdata=np.stack([dates, [F.num(v) for v in flow[col]]], axis=-1) if len(flow) else None,
                        hovertemplate=f"%{{customdata[0]}}: {name.lower()} %{{customdata[1]}}<extra></extra>")
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 10, "b": 10}, separators=SEPARATORS,
                      legend={"orientation": "h", "y": 1.1},
                      xaxis={"tickformat": DATE_FORMAT}, yaxis={"title": {"text": "Người bệnh"}, "tickformat": ",d"})
    return fig


def stacked_bars(frame: pd.DataFrame, label_col: str, series: dict[str, str], title: str,
                 height: int = 380, stacked: bool = True, x_title: str = "Số người") -> go.Figure:
    """Horizontal bars, one row per unit, a segment (or, for overlapping groups, a bar) per series
    (column -> Vietnamese name)."""
    fig = go.Figure()
    for i, (col, name) in enumerate(series.items()):
        fig.add_bar(y=frame[label_col], x=frame[col], name=name, orientation="h",
                    marker_color=CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)],
                    customdata=[F.num(v) for v in frame[col]],
                    hovertemplate=f"%{{y}}<br>{name}: %{{customdata}}<extra></extra>")
    fig.update_layout(barmode="stack" if stacked else "group", height=height,
                      margin={"l": 10, "r": 10, "t": 30, "b": 10}, separators=SEPARATORS,
                      legend={"orientation": "h", "y": -0.2, "yanchor": "top", "traceorder": "normal"},
                      title={"text": title, "font": {"size": 15}}, yaxis={"autorange": "reversed"},
                      xaxis={"tickformat": ",d", "title": {"text": x_title, "font": {"size": 12}}})
    return fig


STATUS_COLOURS = {"met": "#009e73", "on_track": "#56b4e9", "at_risk": "#e69f00", "missed": "#d55e00"}


def target_gauge(r, height: int = 240) -> go.Figure:
    """Achieved % of one unit (a deadline_units() row) on a 0–100 gauge: the threshold as a black line, the part
    beyond the most that can still be reached (max_achievable_pct) shaded grey."""
    steps = []
    if not F.missing(r.max_achievable_pct) and r.max_achievable_pct < 100:
        steps.append({"range": [float(r.max_achievable_pct), 100], "color": NO_DATA_COLOUR})
    fig = go.Figure(go.Indicator(
        mode="gauge+number", value=float(r.achieved_pct) if not F.missing(r.achieved_pct) else None,
        number={"suffix": "%", "valueformat": ",.2f"},
        gauge={"axis": {"range": [0, 100], "ticksuffix": "%"},
               "bar": {"color": STATUS_COLOURS.get(r.status, "#0072b2"), "thickness": 0.6}, "steps": steps,
               "threshold": {"line": {"color": "#000000", "width": 4}, "thickness": 0.9,
                             "value": float(r.threshold_pct)}},
    ))
    fig.update_layout(height=height, margin={"l": 25, "r": 25, "t": 10, "b": 0}, separators=SEPARATORS)
    return fig


def target_bullets(units: pd.DataFrame, height: int | None = None) -> go.Figure:
    """One bullet per unit (deadline_units() rows): the achieved % as a bar coloured by status, the threshold as a
    black tick, the most that can still be reached as a hollow diamond."""
    names = list(units["unit_name"])
    fig = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        mask = (units["status"] == status).to_numpy()
        if not mask.any():
            continue
        sub = units[mask]
        fig.add_bar(y=sub["unit_name"], x=sub["achieved_pct"], orientation="h", name=F.TARGET_STATUS[status],
                    marker_color=colour, text=[F.pct(v) for v in sub["achieved_pct"]], textposition="inside",
                    customdata=np.stack([[F.pct(v) for v in sub["achieved_pct"]],
                                         [F.num(v) for v in sub["people_needed"]]], axis=-1),
                    hovertemplate="%{y}: đạt %{customdata[0]}, còn thiếu %{customdata[1]} người<extra></extra>")
    fig.add_scatter(y=names, x=units["threshold_pct"], mode="markers", name="Chỉ tiêu",
                    marker={"symbol": "line-ns", "size": 26, "line": {"width": 4, "color": "#000000"}},
                    hovertemplate="%{y}: chỉ tiêu %{x:,.2f}%<extra></extra>")
    fig.add_scatter(y=names, x=units["max_achievable_pct"], mode="markers", name="Tối đa có thể đạt trước hạn",
                    marker={"symbol": "diamond-open", "size": 12, "color": "#000000", "line": {"width": 2}},
                    hovertemplate="%{y}: tối đa có thể đạt %{x:,.2f}%<extra></extra>")
    fig.update_layout(height=height or 60 + 34 * len(units), margin={"l": 10, "r": 10, "t": 10, "b": 10},
                      separators=SEPARATORS, barmode="overlay",
                      legend={"orientation": "h", "y": -0.22, "yanchor": "top"},
                      yaxis={"autorange": "reversed", "categoryorder": "array", "categoryarray": names},
                      xaxis={"range": [0, 102], "ticksuffix": "%", "title": {"text": "Tỷ lệ đã đạt"}})
    return fig
