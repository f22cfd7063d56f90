"""The allocation proposal from the warehouse: the page "Phân bổ vắc xin" asks here, and gets the model's inputs read
from the snapshot (app/sql/allocation_*.sql through the query layer), the proposal solved once per snapshot, scope,
date and what-if settings (cached: a rerun that re-solves nothing costs a dict lookup), and the comparison with a
pro-rata split.

Need (docs/allocation-model.md): per district × cohort × dose, the people the chosen coverage targets still need
(marts.deadline_status), either those who can still have the dose by the target's deadline given the minimum interval
("by_deadline") or those who may have it today ("eligible_now"); when two chosen targets ask for the same cohort and
dose, the larger need and the more urgent weight count (never their sum: the same people). Pace: each district
store's trailing 7-day average of doses administered per product (marts.stock_by_lot). Lots: the province store's
usable doses in whole vials (a vial opened at the store is not sent); the districts' own stock in doses.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from app import allocation as A
from app.memo import cached
from app.queries import Scope, _query

NEED_MODES = {"by_deadline": "Còn kịp tiêm trước hạn chỉ tiêu (tính khoảng cách tối thiểu giữa các mũi)",
              "eligible_now": "Đủ điều kiện tiêm ngay hôm nay"}
PACE_WINDOW_DAYS = 7  # marts.stock_by_lot trailing_7d_avg_administered


@dataclass(frozen=True)
class Settings:
    """What the planner chose: the targets driving need, the need mode, and the what-if (all hashable: a cache key)."""
    targets: tuple[str, ...]
    need_mode: str = "by_deadline"
    excluded_lots: tuple[str, ...] = ()
    excluded_districts: tuple[str, ...] = ()
    pinned: tuple[tuple[str, str, int], ...] = ()   # (district, lot, vials)
    horizon_days: int = 90
    limits: tuple[tuple[str, float | None, int | None], ...] = ()  # (district, cold-chain doses, minimum vials)

    def as_dict(self) -> dict:
        return {"targets": list(self.targets), "need_mode": self.need_mode, "excluded_lots": list(self.excluded_lots),
                "excluded_districts": list(self.excluded_districts),
                "pinned": [list(p) for p in self.pinned], "horizon_days": self.horizon_days,
                "limits": [list(x) for x in self.limits]}


@dataclass
class Plan:
    """A solved proposal with everything the page shows beside it."""
    inputs: A.AllocationInput
    proposal: A.Proposal
    split: pd.DataFrame                  # the pro-rata split of the same stock
    comparison: pd.DataFrame | None      # compare(): None when the proposal is infeasible
    need: pd.DataFrame                   # the need rows read (both modes), per district × target
    loose_doses: dict[str, int] = field(default_factory=dict)  # lot -> doses of an opened vial left at the store
    # the page's frames made from this plan (app.allocation_view), made once: a plan is shared by every session
    views: dict = field(default_factory=dict)


@cached
def targets(snapshot: str, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """The coverage targets that still need people in the scope on the date, nearest deadline first."""
    return _query(snapshot, "allocation_targets", scope=scope, as_of=as_of)


@cached
def province(snapshot: str, scope: Scope) -> tuple[str, bool] | None:
    """The province of the scope and whether the scope is all of its districts (the proposal is made for a whole
    province, from its store); None when the scope spans several provinces or none."""
    frame = _query(snapshot, "allocation_province", scope=scope)
    if len(frame) != 1:
        return None
    r = frame.iloc[0]
    return str(r.province_code), bool(r.districts_in_scope == r.districts)


def settings_from(targets: list[str], need_mode: str, excluded_lots: list[str], excluded_districts: list[str],
                  horizon_days: int, pinned: pd.DataFrame | None, limits: pd.DataFrame | None = None) -> Settings:
    """The planner's choices as a Settings (a cache key): pinned rows without a district, a lot or a number of vials
    are left out."""
    rows = () if pinned is None else tuple(
        (str(r.district), str(r.lot), int(r.vials)) for r in pinned.dropna(subset=["district", "lot", "vials"])
        .itertuples())
    bounds = () if limits is None else tuple(
        (str(r.district), None if pd.isna(r.capacity_doses) else float(r.capacity_doses),
         None if pd.isna(r.min_vials) else int(r.min_vials))
        for r in limits.dropna(subset=["district"]).itertuples()
        if not (pd.isna(r.capacity_doses) and pd.isna(r.min_vials)))
    return Settings(tuple(sorted(targets)), need_mode, tuple(sorted(excluded_lots)), tuple(sorted(excluded_districts)),
                    rows, int(horizon_days), tuple(sorted(bounds, key=lambda b: b[0])))


@cached
def approvals(snapshot: str) -> pd.DataFrame:
    return _query(snapshot, "allocation_approvals")


@cached
def need(snapshot: str, scope: Scope, as_of: dt.date, chosen: tuple[str, ...]) -> pd.DataFrame:
    return _query(snapshot, "allocation_need", scope=scope, as_of=as_of, targets=chosen)


@cached
def stock(snapshot: str, scope: Scope, as_of: dt.date, province: str) -> pd.DataFrame:
    return _query(snapshot, "allocation_stock", scope=scope, as_of=as_of, province=province)


@cached
def population(snapshot: str, scope: Scope) -> pd.DataFrame:
    return _query(snapshot, "allocation_population", scope=scope)


def approval_records(frame: pd.DataFrame) -> list[A.Approval]:
    return [A.Approval(str(r.product), tuple(str(c) for c in r.cohorts), tuple(int(k) for k in r.doses),
                       int(r.doses_per_vial), str(r.source_document or "")) for r in frame.itertuples()]


def need_rows(frame: pd.DataFrame, mode: str) -> pd.DataFrame:
    """district, cohort, dose, people, weight: one row per district × cohort × dose, the larger need and the more
    urgent weight of the chosen targets asking for it."""
    if mode not in NEED_MODES:
        raise ValueError(f"Cách tính nhu cầu không có: {mode}")
    column = "need_by_deadline" if mode == "by_deadline" else "need_eligible_now"
    rows = frame.assign(people=frame[column].astype(float))[["district", "cohort", "dose", "people", "weight"]]
    return (rows.groupby(["district", "cohort", "dose"], as_index=False)
            .agg(people=("people", "max"), weight=("weight", "max")))


def inputs(snapshot: str, scope: Scope, as_of: dt.date, province: str, names: dict[str, str],
           settings: Settings) -> tuple[A.AllocationInput, pd.DataFrame, dict[str, int]]:
    """The model's input from the snapshot, the need rows read, and the doses of opened vials left at the store."""
    rules = approvals(snapshot)
    per_vial = dict(zip(rules["product"], rules["doses_per_vial"].astype(int)))
    rows = stock(snapshot, scope, as_of, province)
    usable = rows[(rows["days_to_expiry"] >= 0) & (rows["on_hand"] > 0)]
    store = usable[usable["store_level"] == "province"]
    lots, loose = [], {}
    for r in store.itertuples():
        size = per_vial.get(r.product, 1)
        lots.append((r.lot, r.product, r.expiry_date, int(r.on_hand) // size))
        if int(r.on_hand) % size:
            loose[str(r.lot)] = int(r.on_hand) % size
    own = [(r.district_code, r.product, r.lot, r.expiry_date, float(r.on_hand))
           for r in usable[usable["store_level"] == "district"].itertuples()]
    paced = rows[rows["store_level"] == "district"].groupby(["district_code", "product"], as_index=False)[
        "trailing_7d_avg_administered"].max()
    pace = [(r.district_code, r.product, float(r.trailing_7d_avg_administered or 0.0), PACE_WINDOW_DAYS)
            for r in paced.itertuples()]
    read = need(snapshot, scope, as_of, settings.targets)
    wanted = need_rows(read, settings.need_mode)
    limit = {d: (cap, low) for d, cap, low in settings.limits}
    districts = pd.DataFrame({"district": list(names), "name": list(names.values()),
                              "capacity_doses": [limit.get(d, (None, None))[0] for d in names],
                              "min_vials": [limit.get(d, (None, None))[1] for d in names]}).astype(
        {"capacity_doses": "float64", "min_vials": "float64"})
    # a district without population figures weighs nothing in the pro-rata split
    people = population(snapshot, scope).astype({"people": "Float64"}).fillna({"people": 0.0})
    options = A.Options(pinned=pd.DataFrame(list(settings.pinned), columns=["district", "lot", "vials"]),
                        excluded_lots=settings.excluded_lots, excluded_districts=settings.excluded_districts,
                        horizon_days=settings.horizon_days)
    inp = A.AllocationInput.from_rows(as_of, lots, districts, wanted.itertuples(index=False, name=None), pace,
                                      approval_records(rules), own, people.itertuples(index=False, name=None),
                                      options)
    return inp, read, loose


@cached
def plan(snapshot: str, scope: Scope, as_of: dt.date, province: str, names: tuple[tuple[str, str], ...],
         settings: Settings) -> Plan:
    """Solve once per snapshot, scope, date and settings; every later rerun with the same ones is a lookup."""
    inp, read, loose = inputs(snapshot, scope, as_of, province, dict(names), settings)
    proposal = A.solve(inp)
    split = A.pro_rata(inp)
    comparison = A.compare(inp, proposal, split) if proposal.status == "optimal" else None
    return Plan(inp, proposal, split, comparison, read, loose)
