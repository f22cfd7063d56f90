"""The allocation page's frames, shaped for the screen (app.allocation_data solves; the page only draws): the proposal
rows with the cohorts each shipment serves, the lots at the province store and what becomes of them, the need and
pace read, the comparison with the pro-rata split, and the explanations grouped under Vietnamese headings."""
from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from app import formatting as F
from app import queries as q
from app import allocation_data as D
from app.allocation_data import Plan
from app.memo import cached
from app.state_decisions import ROW_COLUMNS, decision_rows

EXPLANATION_GROUPS = {
    "lot_expiring": "Lô sẽ hết hạn chưa dùng hết",
    "approval_binds": "Phạm vi sử dụng được phép giới hạn",
    "pace": "Tốc độ tiêm của huyện giới hạn",
    "capacity": "Sức chứa dây chuyền lạnh giới hạn",
    "min_shipment": "Mức giao tối thiểu giới hạn",
    "pinned": "Dòng do người lập cố định",
    "need_met": "Huyện đã nhận đủ cho nhu cầu mà lô dùng được",
    "district_short": "Huyện còn thiếu vắc xin",
}


def once(make):
    """A view of a plan made once and kept on it (Plan.views): every later page run with the same plan, whichever
    session, gets it back. Arguments besides the plan are the viewer's district names, fixed for a plan's scope."""
    @functools.wraps(make)
    def view(plan: Plan, *args):
        key = (make.__name__, *(tuple(a.items()) if isinstance(a, dict) else a for a in args))
        if key not in plan.views:
            plan.views[key] = make(plan, *args)
        return plan.views[key]
    return view


@once
def proposal(plan: Plan) -> pd.DataFrame:
    """The shipments (district × lot, ROW_COLUMNS of the state's decisions) with the cohorts and doses each serves."""
    if plan.proposal.outcome is None:
        return pd.DataFrame(columns=ROW_COLUMNS)
    return decision_rows(plan.proposal.allocation, plan.proposal.outcome.usage, plan.inputs.approvals)


@once
def split(plan: Plan) -> pd.DataFrame:
    """The pro-rata split's shipments (each lot goes by population, to whoever may use its product)."""
    return decision_rows(plan.split, None, plan.inputs.approvals)


@once
def lots(plan: Plan) -> pd.DataFrame:
    """The province store's lots: vials, doses, an opened vial's doses kept at the store, and, in the proposal, doses
    sent, administered before expiry and expiring unused."""
    inp = plan.inputs.lots.rename(columns={"expiry": "expiry_date"})
    inp["loose_doses"] = inp["lot"].map(plan.loose_doses).fillna(0).astype("int64")
    outcome = plan.proposal.outcome
    if outcome is None:
        return inp
    figures = outcome.lots[["lot", "doses", "sent", "administered", "expiring_unused", "in_horizon"]]
    rows = inp.merge(figures, on="lot", how="left").sort_values(["expiry_date", "product", "lot"])
    rows["beyond_horizon"] = ~rows["in_horizon"].fillna(False).astype(bool)
    return rows


@once
def need(plan: Plan, names: dict[str, str]) -> pd.DataFrame:
    """Per district × target: people still needed, the two needs and the urgency weight."""
    frame = plan.need.copy()
    frame["name"] = frame["district"].map(names)
    frame["target"] = [F.target_short(c, int(k)) for c, k in zip(frame["cohort"], frame["dose"])]
    return frame[["district", "target_id", "name", "target", "deadline", "people_needed", "need_by_deadline", "need_eligible_now",
                  "weight"]]


@once
def pace(plan: Plan, names: dict[str, str]) -> pd.DataFrame:
    frame = plan.inputs.pace.copy()
    frame["name"] = frame["district"].map(names)
    return frame[frame["doses_per_day"] > 0][["district", "name", "product", "doses_per_day"]]


@once
def explanations(plan: Plan) -> list[tuple[str, list[str]]]:
    """(heading, texts) in EXPLANATION_GROUPS order; kinds without a heading go last, under 'Khác'."""
    frame = plan.proposal.explanations if plan.proposal.status == "optimal" else plan.proposal.infeasible
    groups = []
    for kind, heading in EXPLANATION_GROUPS.items():
        texts = frame.loc[frame["kind"] == kind, "text"].tolist()
        if texts:
            groups.append((f"{heading} ({F.num(len(texts))})", texts))
    rest = frame.loc[~frame["kind"].isin(list(EXPLANATION_GROUPS)), "text"].tolist()
    if rest:
        heading = "Khác" if plan.proposal.status == "optimal" else "Vì sao không lập được đề xuất"
        groups.append((f"{heading} ({F.num(len(rest))})", rest))
    return groups


def days(n: int) -> str:
    return f"{F.num(n)} ngày"


def _rows_editor(key: str, dtypes: dict[str, str], config: dict) -> pd.DataFrame:
    """A table of rows the planner types (a reopened decision's rows first, st.session_state[key + "_start"])."""
    start = st.session_state.get(f"{key}_start")
    if start is None:
        start = pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in dtypes.items()})
    return st.data_editor(start, num_rows="dynamic", key=key, hide_index=True, column_config=config)


def _district_column(label: str, names: dict[str, str]):
    return st.column_config.SelectboxColumn(label, options=list(names), format_func=names.get)


def pinned_editor(names: dict[str, str], lots: dict[str, str]) -> pd.DataFrame:
    """The what-if's pinned rows, typed by the planner: district, lot, vials (a row left incomplete is ignored)."""
    return _rows_editor("alloc_pinned", {"district": "str", "lot": "str", "vials": "Int64"}, {
        "district": _district_column("Huyện (cố định)", names),
        "lot": st.column_config.SelectboxColumn("Số lô", options=list(lots), format_func=lots.get),
        "vials": st.column_config.NumberColumn("Số lọ", min_value=0, step=1)})


def limits_editor(names: dict[str, str]) -> pd.DataFrame:
    """Optional per-district cold-chain capacity (doses held at once, own stock included) and minimum shipment
    (vials), typed by the planner; a district left out has neither."""
    return _rows_editor("alloc_limits", {"district": "str", "capacity_doses": "Int64", "min_vials": "Int64"}, {
        "district": _district_column("Huyện", names),
        "capacity_doses": st.column_config.NumberColumn("Sức chứa dây chuyền lạnh (liều)", min_value=0, step=100),
        "min_vials": st.column_config.NumberColumn("Mức giao tối thiểu (lọ)", min_value=0, step=1)})


@once
def headline(plan: Plan) -> dict[str, float]:
    """The comparison's figures by key: {key: (pro_rata, proposal)}."""
    frame = plan.comparison
    return {r.key: (r.pro_rata, r.proposal) for r in frame.itertuples()} if frame is not None else {}


@cached
def lot_labels(snapshot: str, scope: tuple[str, ...], as_of, province: str) -> dict[str, str]:
    """The province store's usable lots on the date, as the what-if lists them."""
    rows = D.stock(snapshot, scope, as_of, province)
    rows = rows[(rows["store_level"] == "province") & (rows["on_hand"] > 0) & (rows["days_to_expiry"] >= 0)]
    return {str(r.lot): f"{r.lot} — {r.product}, hạn {F.date(r.expiry_date)}, {F.num(r.on_hand)} liều"
            for r in rows.itertuples()}


@cached
def target_labels(snapshot: str, scope: tuple[str, ...], as_of) -> dict[str, str]:
    targets = D.targets(snapshot, scope, as_of)
    return {str(r.target_id): f"{F.target_short(r.cohort, int(r.dose))} {F.pct(r.threshold_pct, 0)} · hạn "
                              f"{F.date(r.deadline)} · thiếu {F.num(r.people_needed)}"
            for r in targets.itertuples()}


@cached
def district_names(snapshot: str, scope: tuple[str, ...]) -> dict[str, str]:
    frame = q.districts(snapshot, scope)
    return dict(zip(frame["district_code"], frame["district_name"]))
