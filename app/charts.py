"""Pure DataFrame -> Figure functions (charts; the maps are app.maps). Offline by construction: plotly.js bundled by
Streamlit. Numbers use Vietnamese separators (layout.separators) and hover texts come preformatted from app.formatting."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from app import formatting as F

NO_DATA_COLOUR = "#d9d9d9"
# Okabe–Ito: distinguishable with every common colour-vision deficiency.
CATEGORY_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#d55e00", "#56b4e9", "#f0e442", "#cc79a7", "#000000")
SEPARATORS = ",."  # decimal comma, dot thousands
DATE_FORMAT = "%d/%m/%Y"


INCOMPLETE_NOTE = "chưa đủ xã báo cáo"


def _custom(*columns) -> np.ndarray | None:
    return np.stack(columns, axis=-1) if len(columns[0]) else None


def f0_trend(trend: pd.DataFrame, height: int = 380) -> go.Figure:
    """New F0 per report date (bars) and the trailing 7-day average (line). Days on which not every commune had
    reported (is_complete false) are still filling: their bars are hatched and pale, their average dotted, and the
    trailing run of them is shaded and labelled, so that nobody reads a filling day as a fall. Hovers are formatted
    by plotly.js with the layout's Vietnamese separators (no text per point to build on every rerun)."""
    trend = trend.reset_index(drop=True)
    done = trend["is_complete"].fillna(False).astype(bool).to_numpy()
    x = trend["report_date"]
    data = []
    for complete, name, colour, pattern in ((True, "F0 mới trong ngày", "#56b4e9", ""),
                                            (False, f"F0 mới, ngày {INCOMPLETE_NOTE}", "#b8dcf2", "/")):
        mask = done == complete
        if not mask.any():
            continue
        sub = trend[mask]
        data.append({"type": "bar", "x": sub["report_date"], "y": sub["new_f0"].to_numpy(dtype=float), "name": name,
                     "marker": {"color": colour, "pattern": {"shape": pattern, "fgcolor": "#0072b2"}},
                     "customdata": sub[["communes_reporting", "communes_expected"]].to_numpy(dtype=float),
                     "hovertemplate": ("%{x|%d/%m/%Y}: %{y:,d} F0 mới (%{customdata[0]:,d}/%{customdata[1]:,d} xã "
                                       "đã báo cáo)<extra></extra>")})
    avg = trend["new_f0_7d_avg_by_report_date"].to_numpy(dtype=float, na_value=np.nan)
    rate = trend["new_f0_7d_per_100k_by_report_date"].to_numpy(dtype=float, na_value=np.nan)
    data.append({"type": "scatter", "mode": "lines", "x": x, "y": np.where(done, avg, np.nan),
                 "name": "Trung bình 7 ngày (lùi)", "line": {"color": "#0072b2", "width": 3}, "customdata": rate,
                 "hovertemplate": ("%{x|%d/%m/%Y}: trung bình 7 ngày %{y:,.1f}, %{customdata:,.1f} F0/100.000 dân "
                                   "trong 7 ngày<extra></extra>")})
    layout = {"height": height, "margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "separators": SEPARATORS,
              "legend": {"orientation": "h", "y": -0.2, "yanchor": "top"}, "bargap": 0.1, "barmode": "overlay",
              "xaxis": {"tickformat": DATE_FORMAT, "title": {"text": "Ngày báo cáo"}},
              "yaxis": {"title": {"text": "Số ca"}, "tickformat": ",d"}}
    if (~done).any():
        # the dotted line starts at the last complete day, so that the two lines join
        first_open = int(np.argmax(~done))
        data.append({"type": "scatter", "mode": "lines", "x": x,
                     "y": np.where(np.arange(len(done)) >= max(first_open - 1, 0), avg, np.nan),
                     "name": f"Trung bình 7 ngày, {INCOMPLETE_NOTE}",
                     "line": {"color": "#0072b2", "width": 3, "dash": "dot"},
                     "hovertemplate": "%{x|%d/%m/%Y}: trung bình 7 ngày %{y:,.1f} (chưa đủ báo cáo)<extra></extra>"})
    if len(done) and not done[-1]:
        # the trailing run of incomplete days: the part of the curve that will still rise
        last_done = np.flatnonzero(done)
        start = x.iloc[last_done[-1] + 1] if len(last_done) else x.iloc[0]
        x0 = pd.Timestamp(start) - pd.Timedelta(hours=12)
        layout["shapes"] = [{"type": "rect", "xref": "x", "yref": "paper", "x0": x0,
                             "x1": pd.Timestamp(x.iloc[-1]) + pd.Timedelta(hours=12), "y0": 0, "y1": 1,
                             "fillcolor": NO_DATA_COLOUR, "opacity": 0.35, "line": {"width": 0}, "layer": "below"}]
        layout["annotations"] = [{"text": INCOMPLETE_NOTE, "x": x0, "xref": "x", "y": 1, "yref": "paper",
                                  "xanchor": "left", "yanchor": "top", "showarrow": False, "font": {"size": 12}}]
    return go.Figure({"data": data, "layout": layout})


def f0_small_multiples(series: pd.DataFrame, columns: int = 3, panel_height: int = 150) -> go.Figure:
    """One small panel per district (cases_district_trend rows): its 7-day F0 rate per 100.000, on one y scale shared
    by every panel so that panels compare, with the province's rate in grey behind it. Incomplete days dotted.

    The grid is laid out here rather than by make_subplots, and hovers are formatted by plotly.js (with the layout's
    Vietnamese separators) rather than sent as text: both took most of the page's time."""
    names = list(dict.fromkeys(series["unit_name"]))
    short = dict(zip(series["unit_name"], series["short_name"], strict=True))
    rows = max(math.ceil(len(names) / columns), 1)
    h_gap, v_gap = 0.03, (0.25 / rows if rows > 1 else 0.0)
    width = (1 - h_gap * (columns - 1)) / columns
    height = (1 - v_gap * (rows - 1)) / rows
    top = pd.to_numeric(series[["new_f0_7d_per_100k_by_report_date", "province_new_f0_7d_per_100k_by_report_date"]].stack(), errors="coerce").max()
    y_range = [0, float(top) * 1.08 if pd.notna(top) and top > 0 else 1]
    plot_height = panel_height * rows  # the legend goes 52 px under it, below the dates and their axis title
    layout = {"height": plot_height + 30 + 85, "margin": {"l": 10, "r": 10, "t": 30, "b": 85},
              "separators": SEPARATORS, "legend": {"orientation": "h", "y": -52 / plot_height, "yanchor": "top"},
              "hovermode": "closest", "annotations": []}
    traces = []
    dotted_legend = True
    for i, (name, sub) in enumerate(series.groupby("unit_name", sort=False)):
        row, col = divmod(i, columns)
        n = "" if i == 0 else str(i + 1)
        x0 = col * (width + h_gap)
        y1 = 1 - row * (height + v_gap)
        bottom = i + columns >= len(names)  # nothing below this panel: it shows the dates
        # clamped: the sums of many gaps and heights drift past 0 and 1 by 1e-16, which plotly refuses
        layout[f"xaxis{n}"] = {"domain": [max(x0, 0.0), min(x0 + width, 1.0)], "anchor": f"y{n}", "tickformat": "%d/%m", "nticks": 4,
                               "showticklabels": bottom, **({"matches": "x"} if i else {}),
                               **({"title": {"text": "Ngày báo cáo", "font": {"size": 12}}} if bottom else {})}
        layout[f"yaxis{n}"] = {"domain": [max(y1 - height, 0.0), min(y1, 1.0)], "anchor": f"x{n}", "range": y_range, "tickformat": ",d",
                               "showticklabels": col == 0, **({"matches": "y"} if i else {})}
        layout["annotations"].append({"text": short[name], "x": x0 + width / 2, "y": y1, "xref": "paper",
                                      "yref": "paper", "xanchor": "center", "yanchor": "bottom", "showarrow": False,
                                      "font": {"size": 13}})
        done = sub["is_complete"].fillna(False).astype(bool).to_numpy()
        rate = sub["new_f0_7d_per_100k_by_report_date"].to_numpy(dtype=float, na_value=np.nan)
        axes = {"xaxis": f"x{n}", "yaxis": f"y{n}", "mode": "lines", "x": sub["report_date"]}
        traces += [
            {**axes, "y": sub["province_new_f0_7d_per_100k_by_report_date"].to_numpy(dtype=float, na_value=np.nan),
             "line": {"color": "#a0a0a0", "width": 1.5}, "name": "Toàn tỉnh", "legendgroup": "province",
             "showlegend": i == 0, "hovertemplate": "%{x|%d/%m/%Y}: toàn tỉnh %{y:,.1f}<extra></extra>"},
            {**axes, "y": np.where(done, rate, np.nan), "line": {"color": "#0072b2", "width": 2.5},
             "name": "Huyện", "legendgroup": "district", "showlegend": i == 0,
             "hovertemplate": f"{name}<br>%{{x|%d/%m/%Y}}: %{{y:,.1f}}<extra></extra>"},
        ]
        if (~done).any():
            first_open = int(np.argmax(~done))
            traces.append({**axes, "y": np.where(np.arange(len(done)) >= max(first_open - 1, 0), rate, np.nan),
                           "line": {"color": "#0072b2", "width": 2.5, "dash": "dot"},
                           "name": INCOMPLETE_NOTE.capitalize(), "legendgroup": "incomplete",
                           "showlegend": dotted_legend,
                           "hovertemplate": (f"{name}<br>%{{x|%d/%m/%Y}}: %{{y:,.1f}} "
                                             "(chưa đủ báo cáo)<extra></extra>")})
            dotted_legend = False
    return go.Figure({"data": [{"type": "scatter", **t} for t in traces], "layout": layout})


def active_split(trend: pd.DataFrame, height: int = 300) -> go.Figure:
    """Active F0 per report date, stacked: treated at home and in facilities."""
    data = [{"type": "scatter", "mode": "lines", "stackgroup": "active", "x": trend["report_date"],
             "y": trend[col].to_numpy(dtype=float, na_value=np.nan), "name": name,
             "line": {"color": CATEGORY_COLOURS[i], "width": 1.5},
             "hovertemplate": f"%{{x|%d/%m/%Y}}: {name.lower()} %{{y:,d}}<extra></extra>"}
            for i, (col, name) in enumerate({"active_home": "Điều trị tại nhà",
                                             "active_facility": "Điều trị tại cơ sở"}.items())]
    return go.Figure({"data": data, "layout": {
        "height": height, "margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "separators": SEPARATORS,
        "legend": {"orientation": "h", "y": -0.25, "yanchor": "top"},
        "xaxis": {"tickformat": DATE_FORMAT, "title": {"text": "Ngày báo cáo"}},
        "yaxis": {"title": {"text": "F0 đang điều trị"}, "tickformat": ",d"}}})


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
                      xaxis={"tickformat": DATE_FORMAT, "title": {"text": "Ngày báo cáo"}},
                      yaxis={"title": {"text": "Người bệnh"}, "tickformat": ",d"})
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
    # margins for the end labels of the axis ("0%", "100%"), which plotly lets overflow the plot at its sides and bottom
    fig.update_layout(height=height, margin={"l": 45, "r": 45, "t": 10, "b": 20}, separators=SEPARATORS)
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
        fig.add_bar(y=sub["unit_name"], x=sub["achieved_pct"], orientation="h", name=F.DEADLINE_STATUS[status],
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
