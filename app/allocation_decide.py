"""The allocation page's decisions: saving the proposal on screen as the province's decision (the state database,
audited, its snapshot pinned), reopening a past one in the what-if form, and the texts a decision is listed by.

What the planner changed is the difference between the proposal the solver makes without their pinned rows and the
one they save (app.state.decision_edits): a pin is how a planner edits a row, and the solver re-balances the rest.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from app import allocation_data as D
from app import allocation_view as V
from app import formatting as F
from app import signin
from app.allocation_annex import annex_xlsx, pin_decision_snapshot
from app.allocation_received import received_vs_decision
from app.memo import cached
from app.state import Decision, decision_write_allowed  # noqa: F401  (the page asks who may save)
from app.state_decisions import decision_edits
from etl.settings import Settings as DataSettings

# st.session_state keys of the what-if form (pages/10_Phan_bo_vac_xin.py)
FORM_KEYS = {"targets": "alloc_targets", "need_mode": "alloc_mode", "excluded_lots": "alloc_excluded_lots",
             "excluded_districts": "alloc_excluded_districts", "horizon_days": "alloc_horizon"}
PINNED_START = "alloc_pinned_start"  # the pinned rows the editor starts from (a reopened decision's)
REOPENED = "alloc_reopened"


def summary(plan: D.Plan) -> dict:
    """The comparison with the pro-rata split, as saved with a decision: {key: {label, pro_rata, proposal}}."""
    return {r.key: {"label": r.label, "pro_rata": float(r.pro_rata), "proposal": float(r.proposal)}
            for r in plan.comparison.itertuples()}


def save(data: DataSettings, account, snapshot: str, scope: tuple[str, ...], as_of: dt.date, province: str,
         names: tuple[tuple[str, str], ...], chosen: D.Settings, note: str | None) -> tuple[Decision, str]:
    """Save what the page shows as a decision, pin its snapshot; returns the decision and the snapshot's label."""
    plan = D.plan(snapshot, scope, as_of, province, names, chosen)
    unpinned = D.plan(snapshot, scope, as_of, province, names, dataclasses.replace(chosen, pinned=()))
    store = signin.state_of(data)
    number = store.decision_save(login=account.login, address=signin.address(), province_code=province,
                                 snapshot=snapshot, as_of=as_of, settings_json=chosen.as_dict(),
                                 proposal=V.proposal(unpinned), rows=V.proposal(plan), summary=summary(plan),
                                 note=(note or "").strip() or None)
    decision = store.decision(number)
    return decision, pin_decision_snapshot(data, decision)


def past(data: DataSettings, province: str) -> dict[int, str]:
    """The province's decisions, newest first: {id: label}."""
    frame = signin.state_of(data).decisions(province)
    return {int(r.id): f"Số {r.id} — lưu {F.datetime(r.saved_at)} bởi {r.full_name} — số liệu đến {F.date(r.as_of)} — "
                       f"{F.num(r.doses)} liều, {F.num(r.rows)} dòng"
            for r in frame.itertuples()}


def decision(data: DataSettings, number: int) -> Decision:
    """A saved decision (never changed after it is saved: read once per server process)."""
    return _decision(str(signin.state_path(data)), number)


@cached
def _decision(path: str, number: int) -> Decision:
    return signin.state.State(Path(path)).decision(number)


def edits(data: DataSettings, found: Decision) -> pd.DataFrame:
    return _edits(str(signin.state_path(data)), found.id)


@cached
def _edits(path: str, number: int) -> pd.DataFrame:
    return decision_edits(_decision(path, number))


def received(snapshot: str, scope: tuple[str, ...], found: Decision, as_of: dt.date) -> pd.DataFrame:
    """What the districts' stores received of the decision's lots since (app.allocation_received), once per snapshot,
    scope, decision and date."""
    return _received(snapshot, scope, found.id, found, as_of)


@cached
def _received(snapshot: str, scope: tuple[str, ...], number: int, found: Decision, as_of: dt.date) -> pd.DataFrame:
    return received_vs_decision(snapshot, scope, found, as_of)


def annex_writer(found: Decision, province_name: str):
    """The annex, written when its button is clicked (openpyxl takes longer than the page)."""
    def written() -> bytes:
        return annex_xlsx(found, province_name)
    return written


def reopen_clicked(data: DataSettings, number: int, goals: list[str], lots: list[str], districts: list[str]) -> None:
    """on_click of "Mở lại": the form's widgets are set before the page runs again."""
    st.session_state["alloc_reopen_lost"] = reopen(decision(data, number), goals, lots, districts)


def reopened_text(found: Decision, served_snapshot: str, lost: list[str]) -> str:
    text = (f"Đang mở lại quyết định số {found.id} (số liệu đến {F.date(found.as_of)}, giải trên bản dữ liệu "
            f"{found.snapshot}). Đề xuất dưới đây được giải lại trên bản dữ liệu đang dùng")
    text += "." if served_snapshot.endswith(found.snapshot) else " (khác bản dữ liệu của quyết định: số liệu có thể đã đổi)."
    if lost:
        text += " Không khôi phục được: " + "; ".join(lost) + "."
    return text


def saved_text(found: Decision, label: str) -> str:
    return (f"Đã lưu quyết định số {found.id}: {F.num(found.vials)} lọ, {F.num(found.doses)} liều. Bản dữ liệu "
            f"{found.snapshot} được giữ lại ({label}).")


def reopen(decision: Decision, goals: list[str], lots: list[str], districts: list[str]) -> list[str]:
    """Put a decision's settings back in the what-if form (and its date in the date picker); returns what could not
    be restored on the snapshot now served (a target no longer short, a lot gone)."""
    chosen = decision.settings
    state = st.session_state
    lost = []
    targets = [t for t in chosen.get("targets", []) if t in goals]
    lost += [f"chỉ tiêu {t} (không còn thiếu người)" for t in chosen.get("targets", []) if t not in goals]
    state[FORM_KEYS["targets"]] = targets or goals
    state[FORM_KEYS["need_mode"]] = chosen.get("need_mode", "by_deadline")
    state[FORM_KEYS["excluded_lots"]] = [c for c in chosen.get("excluded_lots", []) if c in lots]
    state[FORM_KEYS["excluded_districts"]] = [d for d in chosen.get("excluded_districts", []) if d in districts]
    state[FORM_KEYS["horizon_days"]] = int(chosen.get("horizon_days", 90))
    pins = [p for p in chosen.get("pinned", []) if p[1] in lots]
    lost += [f"dòng cố định lô {p[1]} (lô không còn ở kho tỉnh)" for p in chosen.get("pinned", []) if p[1] not in lots]
    state[PINNED_START] = pd.DataFrame(pins, columns=["district", "lot", "vials"]).astype({"vials": "Int64"})
    state.pop("alloc_pinned", None)  # the editor starts again from PINNED_START
    state["alloc_limits_start"] = pd.DataFrame(chosen.get("limits", []), columns=["district", "capacity_doses",
                                                                                  "min_vials"]).astype(
        {"capacity_doses": "Int64", "min_vials": "Int64"})
    state.pop("alloc_limits", None)
    state["as_of_kept"] = decision.as_of
    state[REOPENED] = decision.id
    return lost
