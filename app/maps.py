"""The product's maps, in one colour language, drawn by the server as SVG (app.svgmap) and shown as a markdown element
(drawn the moment it arrives, no script to wait for); a click on a unit can open it (a small component listens).

One colour language on every map: fixed bins from the targets' thresholds, one hue family (ColorBrewer OrRd), and
**darker always means worse** — lower coverage, more unvaccinated, more drop-out, more F0, fuller facilities. Two
marks apart from every shade, and told apart in greyscale print by their hatching: a purple cross-hatch for a figure
that is a data problem ("trên 100%: cần rà soát", a negative count) and a grey hatch for no data.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd
import streamlit as st

from app import formatting as F
from app import memo, replay, svgmap

# ColorBrewer OrRd (Cynthia Brewer, Apache 2.0), light to dark, by number of classes
ORRD = {3: ["#fee8c8", "#fdbb84", "#e34a33"],
        4: ["#fef0d9", "#fdcc8a", "#fc8d59", "#d7301f"],
        5: ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"],
        6: ["#fef0d9", "#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000"],
        7: ["#fef0d9", "#fdd49e", "#fdbb84", "#fc8d59", "#ef6548", "#d7301f", "#990000"]}
FLAG, NO_DATA = "flag", "none"
NO_DATA_LABEL = "chưa có số liệu"
# a figure's bin colour for a measure where more is better (coverage): the darkest shade is the lowest bin
MORE_IS_BETTER = {"coverage"}


@dataclass(frozen=True)
class Bins:
    index: np.ndarray      # bin of each row, an index into labels and colours
    labels: list[str]
    colours: list[str]     # "#rrggbb", or FLAG / NO_DATA (drawn as hatching)


def _nice_step(span: float, parts: int) -> float:
    raw = max(span / parts, 1.0)
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def bins_for(values: pd.Series, metric: str) -> Bins:
    """Labelled bins: fixed thresholds the committee uses for percentages (coverage: the targets' 50, 80, 90 and 95 %),
    round steps for people counts and rates. A figure that is a data problem (coverage over 100 %, negative drop-out
    or unvaccinated) gets its own mark; a missing one is "chưa có số liệu"."""
    v = pd.to_numeric(values, errors="coerce").astype("Float64")
    if metric == "coverage":
        edges = [0, 50, 80, 90, 95, 100.0001]
        labels = ["dưới 50%", "50–80%", "80–90%", "90–95%", "95–100%"]
        flag_label, flagged = "trên 100% (cần rà soát)", v > 100
    elif metric == "dropout":
        edges = [0, 5, 10, 20, 1e9]
        labels = ["dưới 5%", "5–10%", "10–20%", "từ 20% trở lên"]
        flag_label, flagged = "âm (cần rà soát)", v < 0
    elif metric == "occupancy":
        # patients ÷ beds ready: from 100% on, more patients than beds ready (a real overload, not a data problem)
        edges = [0, 50, 80, 90, 100, 1e9]
        labels = ["dưới 50%", "50–80%", "80–90%", "90–100%", "từ 100% trở lên (quá tải)"]
        flag_label, flagged = None, None
    else:
        top = float(v.max()) if v.notna().any() and float(v.max()) > 0 else 1.0
        step = _nice_step(top, 5)
        edges = [i * step for i in range(max(math.ceil(top / step), 3) + 1)]
        edges[-1] += 1e-9
        labels = [f"{F.num(a)}–{F.num(b)}" for a, b in pairwise(edges)]
        # a rate per 100.000 of cases cannot be negative: no "to review" bin that nothing can fall into
        flag_label, flagged = (None, None) if metric == "rate" else (
            "âm: đã tiêm nhiều hơn dân số (cần rà soát)", v < 0)
    index = np.full(len(v), -1)
    arr = v.to_numpy(dtype=float, na_value=np.nan)
    ok = ~np.isnan(arr)
    index[ok] = np.clip(np.searchsorted(edges, arr[ok], side="right") - 1, 0, len(labels) - 1)
    colours = list(ORRD[len(labels)])
    if metric in MORE_IS_BETTER:
        colours.reverse()
    if flag_label is not None and flagged.fillna(False).any():  # in the legend only where a unit has it
        index[flagged.fillna(False).to_numpy(dtype=bool)] = len(labels)
        labels, colours = labels + [flag_label], colours + [FLAG]
    if (index < 0).any():  # a unit with no figure is hatched grey, not left blank
        index[index < 0] = len(labels)
        labels, colours = labels + [NO_DATA_LABEL], colours + [NO_DATA]
    return Bins(index=index, labels=labels, colours=colours)


def map_name(name: str) -> str:
    """A unit's name as maps print it: "TP. Vĩnh Yên", "TX. Sơn Tây", "Q. Ba Đình", "Tam Dương", "P. Tích Sơn",
    "TT. Hợp Hòa"."""
    for prefix, short in (("Thành phố ", "TP. "), ("Thị xã ", "TX. "), ("Quận ", "Q. "), ("Huyện ", ""),
                          ("Phường ", "P. "), ("Thị trấn ", "TT. "), ("Xã ", "")):
        if name.lower().startswith(prefix.lower()):  # the GSO list also writes "Thị Trấn Thổ Tang"
            return short + name[len(prefix):]
    return name


def value_text(value: object, metric: str, decimals: int | None = None) -> str:
    if F.missing(value):
        return "chưa có số liệu"
    if metric in ("coverage", "dropout", "occupancy"):
        return F.pct(value, 2 if decimals is None else decimals)
    return F.num(value, (1 if metric == "rate" else 0) if decimals is None else decimals)


def district_svg(units: pd.DataFrame, shapes: pd.DataFrame, metric: str, numerator_label: str,
                 denominator_label: str, value_label: str, *, uid: str, selected: str | None = None,
                 clickable: bool = False, trend: str | None = None, note: str | None = None) -> str:
    """The SVG map of `units` (unit_code, unit_name, numerator, denominator, value) over `shapes` (code, name,
    geometry_geojson: of districts or of communes): every unit named with its figure (and, with `trend`, the column of its
    week-on-week direction, up/down/flat, as an arrow beside the figure); hovering adds numerator and denominator."""
    codes, names = shapes.iloc[:, 0], shapes.iloc[:, 1]  # (district_code, district_name) or (commune_code, …)
    geo = svgmap.geometry(tuple(zip(codes, names, shapes["geometry_geojson"], strict=True)))
    data = units[units["unit_code"].isin(codes)].reset_index(drop=True)
    bins = bins_for(data["value"], metric)
    fills = {code: bins.colours[b] for code, b in zip(data["unit_code"], bins.index, strict=True)}
    arrows = {"up": " ▲", "down": " ▼", "flat": " ►"}
    lines, hovers = {}, {}
    for i, row in enumerate(data.itertuples(index=False)):
        figure = value_text(row.value, metric) + (arrows.get(getattr(row, trend), "") if trend else "")
        lines[row.unit_code] = (map_name(row.unit_name), figure)
        hovers[row.unit_code] = "\n".join([
            row.unit_name, f"{numerator_label}: {F.num(row.numerator)}", f"{denominator_label}: {F.num(row.denominator)}",
            f"{value_label}: {value_text(row.value, metric)}",
            *(["Cần rà soát số liệu"] if bins.colours[bins.index[i]] == FLAG else []),
            *([f"Xu hướng 7 ngày: {F.TREND_ARROW.get(getattr(row, trend), 'chưa rõ')}"] if trend else [])])
    for code, name in zip(geo.codes, geo.names, strict=True):  # a district without a row is drawn, hatched
        if code not in lines:
            lines[code] = (map_name(name), NO_DATA_LABEL)
            hovers[code] = f"{name}\n{NO_DATA_LABEL}"
    legend = [(colour, label) for colour, label in zip(bins.colours, bins.labels, strict=True)]
    if any(code not in fills for code in geo.codes) and NO_DATA not in bins.colours:
        legend.append((NO_DATA, NO_DATA_LABEL))
    if trend:
        note = " ".join(filter(None, [note, "▲ tăng, ▼ giảm, ► đi ngang so với 7 ngày trước đó."]))
    return svgmap.render(geo, svgmap.Style(fills, legend), lines, hovers, uid=uid, title=value_label, note=note,
                         selected=selected, clickable=clickable)


# Clicks on a map's units, for the maps one clicks on: the SVG itself is drawn as markdown (below), so it shows the
# moment its element arrives; this component's script, which may load a moment later (after plotly's bundle, say),
# listens on the document for clicks on the units of the map it names and sends the unit's code to Python. The
# latest mount's setTriggerValue is the one used (a rerun may mount the component again).
_JS = """
export default function(component) {
  const { data, setTriggerValue } = component;
  const maps = (window.__banDoBam = window.__banDoBam || {});
  maps[data.map] = setTriggerValue;
  if (!window.__banDoNghe) {
    window.__banDoNghe = true;
    document.addEventListener('click', (event) => {
      const unit = event.target.closest && event.target.closest('svg.ban-do path[data-code]');
      const send = unit && maps[unit.ownerSVGElement.id];
      if (send) send('chon', unit.getAttribute('data-code'));
    });
  }
  return () => { if (maps[data.map] === setTriggerValue) delete maps[data.map]; };
}
"""
_CLICKS = st.components.v2.component("ban_do_bam", js=_JS, isolate_styles=False)


def show(svg: str, key: str, clickable: bool = False, on_click=None) -> None:
    """Draw a map's SVG (built once, replayed after: app.replay); with `clickable`, a click on a unit calls
    `on_click` before the rerun it causes, with the unit's code in st.session_state[key]["chon"]."""
    # In a <div> block of its own lines, the SVG is one raw HTML block: markdown leaves its text and its <style> alone
    # (inline, "cov_map … cov_" would be read as emphasis).
    replay.drawn(("ban_do", key, svg),
                 lambda: st.markdown(f'<div class="ban-do-khung">\n{svg}\n</div>', unsafe_allow_html=True))
    if clickable:
        _CLICKS(data={"map": f"bd-{key}"}, key=key, on_chon_change=on_click or (lambda: None))


# Built SVGs of maps: 30–300 KB each, so a few hundred at the most.
SVGS = memo.Memo(max_entries=256)


def _cached_svg(*args, **kwargs) -> str:
    key = replay.digest(district_svg, args, kwargs)
    found = SVGS.get(key)
    if found is memo._MISSING:
        found = district_svg(*args, **kwargs)
        SVGS.put(key, found)
    return found


def district_map(units: pd.DataFrame, shapes: pd.DataFrame, metric: str, labels: tuple[str, str, str], key: str,
                 caption: str, missing_reason: str | None, *, select_key: str | None = None,
                 trend: str | None = None, note: str | None = None) -> None:
    """The district map of `units` labelled by (numerator, denominator, value) names, with its caption; where the
    snapshot has no polygons, the reason instead. With `select_key` (a selectbox's key drawn after the map), a click
    on a district chooses it there, and the district chosen is outlined. Its table twin is the caller's."""
    if shapes.empty:
        st.info(F.md(missing_reason) if missing_reason else "Bản dữ liệu không có ranh giới các đơn vị này.")
        return
    selected = st.session_state.get(select_key) if select_key else None
    svg = _cached_svg(units, shapes, metric, *labels, uid=f"bd-{key}", selected=selected,
                      clickable=select_key is not None, trend=trend, note=note)
    codes = set(units["unit_code"])

    def chosen() -> None:  # runs before the page's script, so the selectbox and the outline show the click at once
        code = (st.session_state.get(key) or {}).get("chon")
        if code in codes:
            st.session_state[select_key] = code

    show(svg, key, clickable=select_key is not None, on_click=chosen if select_key else None)
    st.caption(caption)
