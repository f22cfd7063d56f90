"""The dashboard switched to a briefing's snapshot and as-of date (the button of pages/11_Giao_ban.py): every page of the
session draws that snapshot (app.frame asks `served()`), under a banner that says which briefing, its as-of date and
snapshot id, and offers the way back to the current data.

A briefing's snapshot built by an older model version is read through its copy rebuilt with today's code
(etl.copies, out of the server process): until the copy is ready the live snapshot keeps serving and the banner says
where the copy stands; the live snapshot is never rebuilt for it. When a copy is shown, the banner compares its
headline figures (coverage by cohort and dose, F0 of the report day) with the original's, read by today's queries
when they can: "tính lại theo định nghĩa hiện hành" and which figures changed; or, when the original cannot be read by
today's queries, that every figure was recomputed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from app import formatting as F
from app import queries as q
from app.memo import cached
from app.state import Briefing, State
from etl import copies
from etl.settings import Settings

SESSION = "briefing_view"  # the number of the briefing the session views
RETURN_LABEL = "Quay lại số liệu hiện hành"


@dataclass(frozen=True)
class Viewed:
    briefing: Briefing
    snapshot: str | None   # the file served for it (its snapshot, or the copy); None: the copy is not ready
    copy: bool
    status: str            # where the copy stands (etl.copies.status), when one is needed


def view(number: int) -> None:
    """on_click of the page's button: the session now views briefing `number`."""
    st.session_state[SESSION] = int(number)


def leave() -> None:
    st.session_state.pop(SESSION, None)


def viewing(settings: Settings) -> Viewed | None:
    """The briefing the session views, and the file that serves it; a copy not ready is requested (built out of this
    process: etl.copies.request) and the live snapshot keeps serving meanwhile."""
    number = st.session_state.get(SESSION)
    if number is None:
        return None
    try:
        found = State(settings.data_dir / "state" / "state.sqlite3").briefing(number)
    except LookupError:
        leave()
        return None
    path = copies.comparable(settings, found.snapshot)
    if path is None:
        copies.request(settings, found.snapshot)
        return Viewed(found, None, False, copies.status(settings, found.snapshot))
    return Viewed(found, str(path), path.name != found.snapshot, "")


def as_of(viewed: Viewed, meta: dict) -> dt.date:
    """The briefing's as-of date, within the snapshot's dates."""
    first, last = (dt.date.fromisoformat(str(meta[k])[:10]) for k in ("first_date", "last_date"))
    return min(max(viewed.briefing.as_of, first), last)


def banner(settings: Settings, viewed: Viewed, scope: q.Scope) -> None:
    """At the top of every page while a briefing is viewed."""
    b = viewed.briefing
    source = copies.comparable(settings, b.snapshot)
    original = Path(settings.warehouse / "snapshots" / b.snapshot)
    head = (f"Đang xem số liệu của buổi giao ban «{F.md(b.label)}» (họp ngày {F.date(b.held_on)}): số liệu đến "
            f"ngày {F.date(b.as_of)}, bản dữ liệu {F.md(b.snapshot)} (mã {F.md(_run_id(str(original)))}).")
    with st.container(border=True):
        if viewed.snapshot is None:
            st.warning(head + "  \nBản dữ liệu này do phiên bản cũ của chương trình dựng và đang được dựng lại theo "
                       "định nghĩa hiện hành; trong lúc chờ, trang vẫn hiển thị số liệu hiện hành.  \n"
                       + F.md(viewed.status))
        elif viewed.copy and source is not None:
            st.info(head + "  \n" + _recomputed(str(original), viewed.snapshot, scope, b.as_of))
        else:
            st.info(head)
        st.button(RETURN_LABEL, key="briefing_view_leave", on_click=leave)


def _recomputed(original: str, copy: str, scope: q.Scope, day: dt.date) -> str:
    changed = differences(original, copy, scope, day)
    lead = ("Bản dữ liệu của buổi giao ban do phiên bản cũ của chương trình dựng: số liệu hiển thị được tính lại theo "
            "định nghĩa hiện hành từ đúng các tệp mà bản đó đã dùng")
    if changed is None:
        return lead + "; bản gốc không đọc được bằng truy vấn hiện hành nên mọi số liệu đều là số tính lại."
    if not changed:
        return lead + "; các số liệu chính trùng với bản gốc."
    return lead + ". Số liệu chính khác bản gốc: " + "; ".join(F.md(c) for c in changed) + "."


@cached
def differences(original: str, copy: str, scope: q.Scope, day: dt.date) -> tuple[str, ...] | None:
    """The headline figures of the copy that differ from the original's, in words ("18+ mũi 1: 85,71% (bản gốc
    82,86%)"); None when the original cannot be read by today's queries."""
    try:
        before = _headline(original, scope, day)
    except Exception:  # noqa: BLE001 — whatever the database says: a table or column today's queries read is not there
        return None
    after = _headline(copy, scope, day)
    order = list(after) + [k for k in before if k not in after]
    return tuple(f"{name}: {_written(kind, after.get((name, kind)))} (bản gốc {_written(kind, before.get((name, kind)))})"
                 for name, kind in order if before.get((name, kind)) != after.get((name, kind)))


def _written(kind: str, value) -> str:
    if value is None:
        return "không có"
    return F.pct(value) if kind == "pct" else F.num(value)


def _read(snapshot: str, name: str, **params):
    """app/sql/<name>.sql on a snapshot through the query module's read-only connection, raising what the database
    raises (q._query would stop the page on a snapshot of an older version)."""
    with q._connection(snapshot).cursor() as cur:
        return cur.execute(q._sql(name), {k: list(v) if isinstance(v, tuple) else v
                                           for k, v in params.items()}).df()


def _headline(snapshot: str, scope: q.Scope, day: dt.date) -> dict:
    """{(name, "pct" or "num"): value} of the overview's headline: coverage by cohort and dose, the day's F0."""
    figures = {}
    for r in _read(snapshot, "coverage_headline", scope=scope, as_of=day, population="start").itertuples():
        figures[(f"{F.COHORT_SHORT.get(r.cohort, r.cohort)} {F.dose_label(r.dose)}", "pct")] = (
            None if F.missing(r.coverage_pct) else round(float(r.coverage_pct), 2))
    cases = _read(snapshot, "cases_summary", scope=scope, as_of=day)
    if not cases.empty:
        row = cases.iloc[0]
        for column, label in (("new_f0", "F0 mới"), ("active", "F0 đang điều trị, cách ly")):
            figures[(f"{label} ngày {F.date(row['report_date'])}", "num")] = (
                None if F.missing(row[column]) else int(row[column]))
    return figures


@cached
def _run_id(snapshot: str) -> str:
    try:
        with q._connection(snapshot).cursor() as cur:
            return str(cur.execute("SELECT run_id FROM meta.snapshot").fetchone()[0])
    except Exception:  # noqa: BLE001 — an id unreadable is said, never a stack trace in a banner
        return "không rõ"
