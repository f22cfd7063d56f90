"""The inputs of the vaccine allocation model (app.allocation) and their reading into plain Python sets.

Every input is a pandas DataFrame with the columns listed on AllocationInput; the caller (a page through the query
layer, a test, the benchmark) builds them. Nothing here reads the warehouse. prepare() turns them into the sets the
model is written on (docs/allocation-model.md): active districts, province lots, the districts' own lots, need rows,
paces, approvals, and the what-if options.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd

PROVINCE_LOT = "province"
OWN_LOT = "district"


@dataclass(frozen=True)
class Approval:
    """A product's approval: the cohorts and doses it may be given for, its vial size, and the document that says so
    (e.g. a paediatric formulation only for 5-11, doses 1-2)."""
    product: str
    cohorts: tuple[str, ...]
    doses: tuple[int, ...]
    doses_per_vial: int
    source: str = ""


@dataclass
class Options:
    """What-if settings of one solve.

    pinned: rows (district, lot, vials) the planner fixed; excluded_lots / excluded_districts: left out of both the
    proposal and the pro-rata split. horizon_days: the planning horizon (docs/allocation-model.md, "expiring unused"):
    a lot expiring after as_of + horizon_days is not at risk in this plan, what stays of it at the province store is
    kept for the next allocation. mip_rel_gap: the relative optimality gap each stage is solved to (0,1 %, the
    target of issue 13), on the stage's own scale; the next stages may spend it, never more (app.allocation_solve).
    time_limit: seconds a stage may search the whole MIP when the LP-guided solution is not within that gap (it then
    stops with the best proposal found and reports its gap); shipments_time_limit: the same for the last stage, the
    number of shipments, a tie-break whose LP bound is weak (its gap is reported, rarely closed).
    """
    pinned: pd.DataFrame | None = None
    excluded_lots: tuple[str, ...] = ()
    excluded_districts: tuple[str, ...] = ()
    horizon_days: int = 90
    mip_rel_gap: float = 1e-3
    time_limit: float = 1.0
    shipments_time_limit: float = 0.1
    threads: int = 1


@dataclass
class AllocationInput:
    """One province's allocation problem.

    lots: the province store's lots — lot, product, expiry (date), vials; doses_per_vial optional (else the approval's).
    districts: district (GSO code), name; optional capacity_doses (cold chain, doses held at once, own stock included)
        and min_vials (smallest shipment worth making to that store); NaN = no limit.
    need: district, cohort, dose, people (still to vaccinate), weight (urgency of the target/deadline driving it).
    pace: district, product, doses_per_day, window_days (the trailing window the pace was measured over).
    district_stock: district, product, lot, expiry, doses — what each district store already holds.
    approvals: Approval records (or a frame with their fields; cohorts and doses as tuples).
    population: district, cohort, people — for the pro-rata comparison only.
    """
    as_of: dt.date
    lots: pd.DataFrame
    districts: pd.DataFrame
    need: pd.DataFrame
    pace: pd.DataFrame
    approvals: list[Approval] | pd.DataFrame
    district_stock: pd.DataFrame | None = None
    population: pd.DataFrame | None = None
    options: Options = field(default_factory=Options)

    COLUMNS = {"lots": ["lot", "product", "expiry", "vials"],
               "need": ["district", "cohort", "dose", "people", "weight"],
               "pace": ["district", "product", "doses_per_day", "window_days"],
               "district_stock": ["district", "product", "lot", "expiry", "doses"],
               "population": ["district", "cohort", "people"]}

    @classmethod
    def from_rows(cls, as_of: dt.date, lots: list, districts: pd.DataFrame, need: list, pace: list,
                  approvals: list[Approval] | pd.DataFrame, district_stock: list = (), population: list = (),
                  options: Options | None = None) -> AllocationInput:
        """The problem from plain rows (tuples in the order of COLUMNS), as generators of instances write them."""
        def frame(name: str, rows) -> pd.DataFrame:
            return pd.DataFrame(list(rows), columns=cls.COLUMNS[name])

        return cls(as_of, frame("lots", lots), districts, frame("need", need), frame("pace", pace), approvals,
                   frame("district_stock", district_stock), frame("population", population), options or Options())


@dataclass(frozen=True)
class Lot:
    """A lot as the model sees it: at the province store (vials) or in a district's own store (doses)."""
    lot: str
    product: str
    expiry: dt.date
    days: int           # days it can still be administered: (expiry - as_of).days, stock counted at the end of as_of
    in_horizon: bool    # expires on or before the horizon end: what is not administered counts as expiring unused
    doses_per_vial: int = 1
    vials: int = 0      # province lots
    doses: float = 0    # own lots (district stock is counted in doses)
    district: str = ""  # own lots
    rank: int = 0       # 0 for the product's earliest expiry at the province store, 1 for the next, ...


@dataclass
class Prepared:
    as_of: dt.date
    horizon_end: dt.date
    districts: list[str]
    names: dict[str, str]
    lots: list[Lot]                                   # province lots, active
    own: list[Lot]                                    # districts' own lots, not yet expired
    need: dict[tuple[str, str, int], tuple[float, float]]   # (district, cohort, dose) -> (people, weight)
    pace: dict[tuple[str, str], tuple[float, float]]        # (district, product) -> (doses a day, window days)
    approvals: dict[str, Approval]
    capacity: dict[str, float]                       # districts with a cold-chain limit -> doses
    min_vials: dict[str, int]                        # districts with a minimum shipment -> vials
    pins: dict[tuple[str, str], int]                 # (district, lot) -> vials
    options: Options
    dropped: list[str] = field(default_factory=list)  # lots left out and why (already expired, no approval)

    def lot(self, code: str) -> Lot:
        return next(lot for lot in self.lots if lot.lot == code)

    def approved(self, product: str) -> set[tuple[str, int]]:
        a = self.approvals.get(product)
        return {(c, int(k)) for c in a.cohorts for k in a.doses} if a else set()

    def own_doses(self, district: str) -> float:
        return sum(o.doses for o in self.own if o.district == district)


def approvals_list(approvals: list[Approval] | pd.DataFrame) -> dict[str, Approval]:
    if isinstance(approvals, pd.DataFrame):
        approvals = [Approval(r.product, tuple(r.cohorts), tuple(int(k) for k in r.doses), int(r.doses_per_vial),
                              str(getattr(r, "source", "") or "")) for r in approvals.itertuples()]
    return {a.product: a for a in approvals}


def _date(value: object) -> dt.date:
    stamp = pd.Timestamp(value)
    return stamp.date()


def _limit(value: object) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    return float(value)


def prepare(inp: AllocationInput) -> Prepared:
    """The model's sets from the input frames, with the what-if options applied."""
    opt = inp.options
    as_of = _date(inp.as_of)
    horizon_end = as_of + dt.timedelta(days=int(opt.horizon_days))
    approvals = approvals_list(inp.approvals)
    excluded_d = {str(d) for d in opt.excluded_districts}
    excluded_l = {str(lot) for lot in opt.excluded_lots}
    frame = inp.districts
    districts = [str(d) for d in frame["district"] if str(d) not in excluded_d]
    names = {str(r.district): str(r.name) for r in frame.itertuples()}
    capacity, min_vials = {}, {}
    for r in frame.itertuples():
        cap = _limit(getattr(r, "capacity_doses", None))
        low = _limit(getattr(r, "min_vials", None))
        if cap is not None:
            capacity[str(r.district)] = cap
        if low is not None and low > 0:
            min_vials[str(r.district)] = int(low)

    dropped, lots = [], []
    for r in inp.lots.sort_values(["product", "expiry", "lot"]).itertuples():
        code, product, expiry = str(r.lot), str(r.product), _date(r.expiry)
        if code in excluded_l or int(r.vials) <= 0:
            continue
        if product not in approvals:
            dropped.append(f"Lô {code} ({product}): sản phẩm chưa có trong danh mục được phép sử dụng, không phân bổ.")
            continue
        if expiry <= as_of:
            dropped.append(f"Lô {code} ({product}) đã hết hạn ngày {expiry:%d/%m/%Y}, không phân bổ.")
            continue
        dpv = getattr(r, "doses_per_vial", None)
        dpv = int(dpv) if _limit(dpv) is not None else approvals[product].doses_per_vial
        lots.append(Lot(code, product, expiry, (expiry - as_of).days, expiry <= horizon_end, dpv, int(r.vials)))
    ranks = {}
    for product in {lot.product for lot in lots}:
        expiries = sorted({lot.expiry for lot in lots if lot.product == product})
        ranks.update({(product, e): i for i, e in enumerate(expiries)})
    lots = [Lot(**{**lot.__dict__, "rank": ranks[(lot.product, lot.expiry)]}) for lot in lots]

    own = []
    stock = inp.district_stock if inp.district_stock is not None else pd.DataFrame(
        columns=["district", "product", "lot", "expiry", "doses"])
    for r in stock.itertuples():
        expiry = _date(r.expiry)
        if str(r.district) in districts and expiry > as_of and float(r.doses) > 0:
            own.append(Lot(str(r.lot), str(r.product), expiry, (expiry - as_of).days, expiry <= horizon_end,
                           doses=float(r.doses), district=str(r.district)))

    for where, codes in (("kho tỉnh", [lot.lot for lot in lots]), ("kho huyện", [(o.district, o.lot) for o in own])):
        twice = sorted({str(c) for c in codes if codes.count(c) > 1})
        if twice:
            raise ValueError(f"Mã lô trùng trong {where}: {', '.join(twice)} (gộp các dòng của cùng một lô trước).")
    need = {}
    for r in inp.need.itertuples():
        if str(r.district) in districts and float(r.people) > 0:
            key = (str(r.district), str(r.cohort), int(r.dose))
            people, weight = need.get(key, (0.0, 0.0))
            need[key] = (people + float(r.people), max(weight, float(getattr(r, "weight", 1.0))))
    pace = {(str(r.district), str(r.product)): (max(float(r.doses_per_day), 0.0), float(getattr(r, "window_days", 7)))
            for r in inp.pace.itertuples()}
    pins = {}
    if opt.pinned is not None:
        for r in opt.pinned.itertuples():
            key = (str(r.district), str(r.lot))
            pins[key] = pins.get(key, 0) + int(r.vials)
    return Prepared(as_of, horizon_end, districts, names, lots, own, need, pace, approvals, capacity, min_vials, pins,
                    opt, dropped)
