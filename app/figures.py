"""What the dashboard draws, figure by figure: every number a page shows goes through app.widgets (W.metric with a
W.fig, W.table), which formats it and, while a recording is on, notes (figure, scope, as-of date, value) here.

A figure is named by the column (or macro) it comes from, with the query's parameters that change its meaning
(`coverage_pct[cohort=18+,dose=1,population=start]`): the same name means the same definition (etl/sql/macros.sql,
docs/marts.md). Its scope is the unit it describes (a GSO code; the viewer's whole scope is the province's code), its
as-of date the date the viewer picked. tests/test_app_figures.py renders every page for several dates with a
recording on and asserts that a figure drawn twice, as a headline and as the sum of its table, or in a table and its
Excel download, has one value. Recording is off in production: record() then does nothing.
"""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field

import pandas as pd

# Query parameters that do not change what a column means (they choose rows, not a definition).
ROW_PARAMETERS = frozenset({"snapshot", "scope", "as_of", "district", "level", "days", "limit", "only_at_risk",
                            "only_over_quota", "metric", "check_id", "province"})
# Counts that add up: the value over a scope is the sum of the values over its districts. Not the people a target
# still needs (each unit's target is rounded up, and a district past its target needs 0 while the province may not),
# nor anything rounded or divided.
ADDITIVE = frozenset({"people", "population", "people_vaccinated", "unvaccinated", "new_f0", "new_f0_7d_sum",
                      "active_home", "active_facility", "active_total", "without_antiviral", "not_monitored",
                      "new_severe", "deaths", "bed_quota", "beds_ready", "occupied", "on_hand", "doses_at_risk",
                      "admissions", "discharges", "referred_up"})


# Columns of a row that change what its figures mean, as the query parameter of the same meaning would (a table of
# every target's units names the target per row; the deadline page names it as a parameter).
CONTEXT_COLUMNS = {"target_id": "target", "cohort": "cohort", "dose": "dose", "tier_group": "tier"}


@dataclass(frozen=True)
class Drawn:
    figure: str
    scope: str
    as_of: dt.date
    value: object
    page: str
    where: str


@dataclass
class Recording:
    drawn: list[Drawn] = field(default_factory=list)
    tables: list[dict] = field(default_factory=list)  # key, page, frame (every row), cols, shown (rows on screen)


_recording: Recording | None = None
_context: dict = {"page": "", "as_of": None}


def active() -> bool:
    """Whether a recording is on (tests): parts of pages that are otherwise replayed are then drawn every time."""
    return _recording is not None


@contextmanager
def recording():
    """Record what every page run draws until the block ends (tests)."""
    global _recording
    _recording = Recording()
    try:
        yield _recording
    finally:
        _recording = None


def begin_page(page: str, as_of: dt.date) -> None:
    """Called by the frame on every page run: what is drawn next belongs to this page and date."""
    _context.update(page=page, as_of=as_of)


def name(figure: str, context: dict | None) -> str:
    """`coverage_pct[cohort=18+,dose=1]`: a column and the parameters that change its meaning."""
    kept = {k: v for k, v in (context or {}).items() if k not in ROW_PARAMETERS and v is not None}
    if not kept:
        return figure
    return f"{figure}[{','.join(f'{k}={v}' for k, v in sorted(kept.items()))}]"


def _plain(value: object) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return pd.Timestamp(value).date()
    return value


def record(figure: str, scope: str, value: object, where: str) -> None:
    if _recording is not None:
        _recording.drawn.append(Drawn(figure, str(scope), _context["as_of"], _plain(value), _context["page"], where))


def record_table(key: str, frame: pd.DataFrame, cols: dict, shown: pd.DataFrame, row_key: tuple[str, ...]) -> None:
    """Every figure column of a table, row by row (scope: the row's unit), and the table itself for its Excel twin."""
    if _recording is None:
        return
    _recording.tables.append({"key": key, "page": _context["page"], "frame": frame, "cols": cols, "shown": shown})
    keys = [k for k in row_key if k in shown.columns]
    if not keys:
        return
    parameters = frame.attrs.get("parameters", {})
    by_row = [c for c in CONTEXT_COLUMNS if c in shown.columns]
    for _, row in shown.iterrows():
        context = parameters | {CONTEXT_COLUMNS[c]: row[c] for c in by_row}
        scope = "/".join(str(row[k]) for k in keys)
        for column, col in cols.items():
            if col.kind in ("int", "num1", "pct"):  # an Excel-only column is drawn too, in the download
                record(name(column, context), scope, row[column], f"{'table' if col.screen else 'excel'} {key}")
