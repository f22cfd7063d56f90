"""Drawing helpers shared by pages: a table in Vietnamese formatting with its Excel download, metrics with their
source tooltip, the map–selectbox link. They format and lay out; they compute nothing beyond counting and summing
the rows they show (an extract says how much of the whole it is)."""
from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from app import chrome
from app import figures
from app import formatting as F
from app import maps
from app import replay
from app.replay import section  # noqa: F401  (pages call W.section)
from app import textwidth as T


@dataclass(frozen=True)
class Col:
    """How one column of a query frame is shown. kind: text, int, num1, pct, date, datetime, flag (bool shown as a
    warning word); `words` translates codes (e.g. report status) into Vietnamese; `bar` names an extra column that
    draws the same percentage as a bar (screen only, not in the Excel file); screen=False keeps a detail column in
    the Excel file only, so that the table on screen fits the page without hiding columns to the right; `colours`
    maps a shown word to its text colour on screen (e.g. a rise in F0 in red: the colour knows which way is good)."""
    label: str
    kind: str = "text"
    help: str | None = None
    flag_text: str = "có"
    words: dict | None = None
    bar: str | None = None
    screen: bool = True
    colours: dict | None = None


ROW_PX = 35  # st.dataframe's row height, header included
SCROLLBAR_PX = 12  # a sideways-scrolling table's scroll bar, under its last row
# The page-wide style and scripts every page run draws first (app.chrome).
page_chrome = chrome.draw



_FORMAT = {
    "int": F.num,
    "num1": lambda v: F.num(v, 1),
    "pct": F.pct,
    "date": F.date,
    "datetime": F.datetime,
}
_EXCEL_FORMAT = {"int": "#,##0", "num1": "#,##0.0", "pct": '0.00"%"', "date": "dd/mm/yyyy",
                 "datetime": "hh:mm dd/mm/yyyy"}


BAR_PX = 96  # wide enough to compare, narrow enough that every column of a table fits a 1440 px screen

# st.dataframe draws on a canvas, where a column too narrow for its text cuts it ("có nguy cơ tr"): every column
# on screen gets a width in pixels from its widest formatted value, header included, measured with the grid's own font
# (app.textwidth: glyph advances and kerning measured in Debian's chromium).
CELL_PAD_PX = 2 * T.CELL_PADDING_PX  # glide-data-grid's cellHorizontalPadding on each side (the rule is inside)
# The main column's width at 1440 px with the sidebar open, as chromium lays it out (946 px: tests/test_browser.py
# measures the grid's container), less the grid's own frame: a table whose columns sum to more scrolls sideways on
# purpose (no column pinned: Streamlit greys a pinned column's
# text, which reads as disabled); W.table marks it with a `wide_<key>` container (tests/test_browser.py checks that
# every other table fits its container, at 1440 and 1920 px).
MAIN_PX = 940
text_px = T.text_px


def _widest(values: pd.Series, kind: str) -> str:
    """The widest text the column shows for `values`: numbers are formatted at both ends of their range (the widest
    formatted number is the largest in size, or the most negative), text as is; missing values show "–"."""
    present = values.dropna()
    if present.empty:
        return "–"
    if kind in _FORMAT and kind not in ("date", "datetime"):
        numbers = pd.to_numeric(present, errors="coerce").dropna()
        candidates = [numbers.max(), numbers.min()] if len(numbers) else []
        return max((_FORMAT[kind](v) for v in candidates), key=text_px, default="–")
    if kind in ("date", "datetime"):
        return _FORMAT[kind](present.iloc[0])  # fixed length: dd/mm/yyyy, hh:mm dd/mm/yyyy
    return max(present.astype(str).unique(), key=text_px)


def column_widths(shown: pd.DataFrame, cols: dict[str, Col]) -> dict[str, int]:
    """Pixels for every column of the table on screen (labels of `shown`, bars included): wide enough for its
    header (with the arrow of a sorted column) and its widest formatted value."""
    widths = {}
    for col in cols.values():
        if not col.screen:
            continue
        widest = _widest(shown[col.label], "text" if col.kind == "flag" or col.words else col.kind)
        widths[col.label] = max(text_px(widest), T.header_px(col.label)) + CELL_PAD_PX
        if col.bar:
            widths[col.bar] = max(BAR_PX, T.header_px(col.bar) + CELL_PAD_PX)
    return widths


def _shown(frame: pd.DataFrame, cols: dict[str, Col], bars: bool = False) -> pd.DataFrame:
    """bars=True: the table on screen (bar columns added, Excel-only columns left out); else the Excel table."""
    shown = pd.DataFrame(index=frame.index)
    for name, col in cols.items():
        if bars and not col.screen:
            continue
        values = frame[name]
        if col.kind == "flag":
            values = values.map(lambda v, text=col.flag_text: text if v is True or v == 1 else "")
        elif col.words:
            values = values.map(lambda v, words=col.words: words.get(v, v))
        if bars and col.kind == "text" and values.dtype == object:
            values = values.map(F.dashed)  # "12–17" written one way on screen, whatever the text quotes
        shown[col.label] = values
        if bars and col.bar:
            shown[col.bar] = values
    return shown


def excel_bytes(frame: pd.DataFrame, cols: dict[str, Col], sheet: str = "Số liệu", note: str | None = None) -> bytes:
    """The table exactly as shown (same rows, Vietnamese headers), values kept as numbers and dates for Excel."""
    shown = _shown(frame, cols)
    for col in cols.values():
        if col.kind in ("date", "datetime"):
            shown[col.label] = pd.to_datetime(shown[col.label]).dt.tz_localize(None)
            if col.kind == "date":
                shown[col.label] = shown[col.label].dt.date
    buffer = io.BytesIO()
    start = 2 if note else 0
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        shown.to_excel(writer, sheet_name=sheet[:31], index=False, startrow=start)
        ws = writer.sheets[sheet[:31]]
        if note:
            ws.cell(row=1, column=1, value=note)
        for idx, col in enumerate(cols.values(), start=1):
            letter = ws.cell(row=start + 1, column=idx).column_letter
            ws.column_dimensions[letter].width = max(12, min(len(col.label) + 2, 40))
            number_format = _EXCEL_FORMAT.get(col.kind)
            if number_format:
                for row in range(start + 2, start + 2 + len(shown)):
                    ws.cell(row=row, column=idx).number_format = number_format
    return buffer.getvalue()


def styled(shown: pd.DataFrame, cols: dict[str, Col], formats: dict) -> pd.io.formats.style.Styler:
    """The table on screen: Vietnamese number formats, and the words of a `colours` column in their colour."""
    styler = shown.style.format(formats, na_rep="–")
    for col in cols.values():
        if col.colours and col.screen:
            styler = styler.map(lambda v, colours=col.colours: f"color: {colours[v]}; font-weight: 600"
                                if v in colours else "", subset=[col.label])
    return styler


EXTRACT_ROWS = 5  # rows of an extract on the overview: the full table is a link (or the Excel file) away


@dataclass(frozen=True, eq=False)
class Extract:
    """A table that shows only part of its rows: its first `limit` (EXTRACT_ROWS when None) in the query's order, or,
    with `whole`, the rows of `whole` a filter kept. `what` one row is ("cơ sở", "dòng (lô × kho)"), `order` how
    they are ranked or chosen ("xếp theo hạn dùng, sớm nhất trước"), `total` = (column, unit) whose sum over the
    rows shown stands beside the sum over all rows."""
    what: str
    order: str
    total: tuple[str, str] | None = None
    limit: int | None = None
    whole: pd.DataFrame | None = None

    @property
    def rows(self) -> int:
        return EXTRACT_ROWS if self.limit is None else self.limit

    def shown(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame if self.whole is not None and self.limit is None else frame.head(self.rows)


def extract_caption(frame: pd.DataFrame, extract: Extract) -> str:
    """What an extract is: "5 dòng (lô × kho) trên 14, xếp theo hạn dùng, sớm nhất trước; 54.448 trên tổng 127.067
    liều có nguy cơ hủy." (when every row is shown, "Cả 3 cơ sở." so that a short table never reads as a cut one)."""
    shown = extract.shown(frame)
    every = frame if extract.whole is None else extract.whole
    column, unit = extract.total or (None, None)
    if len(shown) == len(every):
        text = f"Cả {F.num(len(every))} {extract.what}"
        if column:
            text += f"; tổng {F.num(every[column].sum())} {unit}"
    else:
        text = f"{F.num(len(shown))} {extract.what} trên {F.num(len(every))}, {extract.order}"
        if column:
            text += f"; {F.num(shown[column].sum())} trên tổng {F.num(every[column].sum())} {unit}"
    return text + "."


ROW_KEYS = ("unit_code", "facility_code", "district_code")
LONG_TABLE_ROWS = 2000  # rows shown of a table too long for the screen (its Excel file has them all)


def table(frame: pd.DataFrame, cols: dict[str, Col], key: str, file_name: str, note: str | None = None,
          max_rows: int = 12, bar_max: float = 100.0, download: bool = True, extract: Extract | None = None,
          row_key: tuple[str, ...] | None = None, empty: str = "Không có dòng nào.") -> None:
    """A sortable table (numbers stay numbers, shown in Vietnamese format) and its Excel download. It is as tall as
    its rows up to max_rows, then scrolls. download=False for extracts whose full, downloadable table is a link
    away. extract: only part of the rows is drawn, under a caption saying how many of how many (extract_caption); the
    Excel file keeps every row of `frame`. A table without rows is the sentence `empty` (the grid would say "empty",
    in English), and no download."""
    if frame.empty:
        with st.container(key=f"table_{key}"):
            st.caption(F.md(empty))
        return
    # pandas' Styler refuses more cells than styler.render.max_elements (a national warehouse's ledger has 190.000
    # rows): beyond it the screen shows the first rows, and says so; the Excel file keeps every row
    screen_cols = sum(1 + bool(c.bar) for c in cols.values() if c.screen)
    too_many = extract is None and len(frame) * screen_cols > pd.get_option("styler.render.max_elements")
    if too_many:
        extract = Extract("dòng", "các dòng đầu theo thứ tự của bảng; tệp Excel có mọi dòng", limit=LONG_TABLE_ROWS)
    if extract is not None:
        st.caption(extract_caption(frame, extract))
        if extract.whole is None and not too_many:
            max_rows = max(max_rows, extract.rows)
    rows = frame if extract is None else extract.shown(frame)
    # every figure column, by the unit of its row (row_key, else the first of ROW_KEYS the frame has)
    figures.record_table(key, frame, cols, rows, row_key or tuple(k for k in ROW_KEYS if k in frame.columns)[:1])
    # A keyed container, because st.dataframe only takes its key when rows are selectable (tests find tables by it).
    # The grid inside is built once per distinct rows and settings, then replayed (app.replay).
    with st.container(key=f"table_{key}"):
        replay.drawn(("table", key, rows, cols, max_rows, bar_max), lambda: _grid(rows, cols, key, max_rows, bar_max))
    if not download:
        return
    # Written when the button is clicked, not on every rerun: openpyxl takes longer than drawing the whole page.
    audit = st.session_state.get(DOWNLOAD_AUDIT)
    # A function, not a partial or another callable object: Streamlit registers a function at no cost, but spends
    # milliseconds on other callables (measured: 0,1 ms against 2,6–8 ms a table, on every run).

    def written() -> bytes:
        return _download(frame, cols, note, f"{file_name}.xlsx", audit)

    st.download_button("Tải bảng Excel", data=written,
                       file_name=f"{file_name}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}_xlsx",
                       on_click="ignore")


def _grid(rows: pd.DataFrame, cols: dict[str, Col], key: str, max_rows: int, bar_max: float) -> None:
    """The table on screen: Vietnamese formats, measured column widths, bars; a table wider than the main column is in
    a container that says it scrolls sideways on purpose."""
    shown = _shown(rows, cols, bars=True)
    formats = {col.label: _FORMAT[col.kind] for col in cols.values() if col.kind in _FORMAT and col.screen}
    widths = column_widths(shown, cols)
    wide = sum(widths.values()) > MAIN_PX
    config = {}
    for col in (c for c in cols.values() if c.screen):
        if col.bar:
            # The bar carries no number of its own: its format would be English ("10.143%"); the value stands in
            # the column before it, in Vietnamese format.
            config[col.bar] = st.column_config.ProgressColumn(col.bar, help=col.help, min_value=0.0,
                                                              max_value=bar_max, width=widths[col.bar], format=" ",
                                                              color="#0072b2")
        config[col.label] = st.column_config.Column(col.label, help=col.help, width=widths[col.label])
    with st.container(key=f"wide_{key}") if wide else contextlib.nullcontext():
        st.dataframe(styled(shown, cols, formats), column_config=config, hide_index=True,
                     height=ROW_PX * (min(len(shown), max_rows) + 1) + 3 + (SCROLLBAR_PX if wide else 0),
                     placeholder="–")


DOWNLOAD_AUDIT = "_download_audit"  # who downloads, from where, of which snapshot and scope (set by the frame)


def _download(frame: pd.DataFrame, cols: dict[str, Col], note: str | None, file_name: str, audit: dict | None) -> bytes:
    """The Excel file of a table, written when its button is clicked, and the download audited (what, how many rows,
    which snapshot and scope, who and from where)."""
    data = excel_bytes(frame, cols, note=note)
    if audit:
        from app.state import State

        State(Path(audit["state"])).audit("download", audit["login"], audit["address"],
                                          {"file": file_name, "rows": len(frame), "snapshot": audit["snapshot"],
                                           "scope": audit["scope"]})
    return data


def district_map(units: pd.DataFrame, shapes: pd.DataFrame, metric: str, labels: tuple[str, str, str], key: str,
                 caption: str, missing_reason: str | None, **options) -> None:
    """The offline district map (app.maps.district_map: named districts, one colour language); where the snapshot
    has no polygons, the reason instead. Its table twin is the caller's."""
    maps.district_map(units, shapes, metric, labels, key, caption, missing_reason, **options)


# Charts have no mode bar: its buttons are titled in English, and every chart has its table twin.
CHART_CONFIG = {"displayModeBar": False}


def chart(build, *args, key: str, config: dict | None = None, **kwargs) -> None:
    """The plotly figure `build(*args, **kwargs)` (a function of app.charts), built once per distinct arguments and
    replayed after (app.replay). Not for a selectable chart: that one is a widget and is drawn with st.plotly_chart."""
    config = CHART_CONFIG if config is None else config
    replay.drawn(("chart", key, build, args, kwargs, config),
                 lambda: st.plotly_chart(build(*args, **kwargs), key=key, config=config))


# Ways of writing a figure beyond a table's: a ratio to 3 decimals, a change with its sign (percentage points to 2
# decimals, people, or per cent to 1 decimal).
_FIG_FORMAT = {"pct3": lambda v: F.pct(v, 3), "pp": F.signed, "signed": lambda v: F.signed(v, 0),
               "signed_pct1": lambda v: F.signed(v, 1, "%"), "late": F.late}


@dataclass(frozen=True)
class Fig:
    """One figure to draw: its name (the column or macro it comes from, docs/marts.md), its value, how it is written
    (kind: int, num1, pct, date, pct3, pp, signed, signed_pct1, late, or words: a dict from codes to Vietnamese words), the
    unit it describes and the parameters that change its meaning (cohort, dose, target…)."""
    figure: str
    value: object
    kind: str
    scope: str
    context: dict

    def text(self) -> str:
        if isinstance(self.kind, dict):
            return self.kind.get(self.value, "chưa xét được")
        return {**_FORMAT, **_FIG_FORMAT}[self.kind](self.value)


def fig(figure: str, value: object, kind: str | dict = "int", *, scope: str, **context) -> Fig:
    """A figure for W.metric: fig("coverage_pct", r.coverage_pct, "pct", scope=f.scope_key, cohort="18+", dose=1)."""
    return Fig(figure, value, kind, str(scope), context)


def show(value: Fig, where: str = "text") -> str:
    """A figure written inside a sentence, a tooltip or a delta: formatted as its kind says, and recorded."""
    figures.record(figures.name(value.figure, value.context), value.scope, value.value, where)
    return value.text()


def metric(label: str, value: Fig, help: str, delta: str | None = None, delta_color: str = "normal",
           note: bool = False) -> None:
    """st.metric of one figure (written as its kind says, and recorded: app.figures) with its source tooltip. A delta
    from F.signed starting with "±" (no change), or a delta that is only a note (note=True), gets neither arrow nor
    colour."""
    figures.record(figures.name(value.figure, value.context), value.scope, value.value, f"metric {label}")
    plain = note or (bool(delta) and delta.startswith("±"))
    st.metric(label, value.text(), delta=delta, delta_color="off" if plain else delta_color, help=help, border=True,
              delta_arrow="off" if plain else "auto")
