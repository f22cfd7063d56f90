"""The allocation MIP written for HiGHS (highspy) and its lexicographic solve.

build() writes the model of docs/allocation-model.md on a Prepared problem (app.allocation_inputs): in "propose"
mode the vials sent are integer decision variables under every hard rule; in "evaluate" mode they are fixed to a given
allocation (the pro-rata split, or the proposal itself) and only the districts' use of what they hold is optimised,
so that both are measured by the same definitions. solve_stages() minimises the objectives one after another, each
stage kept at its value in the next ones (app.allocation_solve), and reports each stage's gap.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np

from app.allocation_inputs import OWN_LOT, PROVINCE_LOT, Lot, Prepared

INF = highspy.kHighsInf


def quiet_highs() -> highspy._Highs:
    """A HiGHS instance that writes nothing to the console. highspy.Highs() installs its Python callback layer as it
    is made, and that step writes HiGHS's banner ("Running HiGHS …") to stdout before any option can be set. The core
    solver highspy._Highs (exported by highspy: the same methods without that layer, which the model does not use)
    writes nothing as it is made, and output_flag switches its log off before anything is solved."""
    h = highspy._Highs()
    h.setOptionValue("output_flag", False)
    return h


# Each stage fixes the previous optimum up to this much (absolute + relative to the optimum): room for the solver's
# feasibility tolerance, far below one dose.
STAGE_TOL_ABS, STAGE_TOL_REL = 1e-5, 1e-7
STAGES = ("expiring", "unmet", "fefo", "shipments")
EVALUATE_STAGES = ("expiring", "unmet")


@dataclass
class StageReport:
    name: str
    objective: float    # on the final solution: doses expiring, weighted people unmet, FEFO-weighted doses, shipments
    gap: float          # (objective - bound) / max(objective, 1): 0 for a linear programme (evaluate mode)
    seconds: float
    bound: float = 0.0  # a lower bound on the objective, the earlier stages held at their final values
    method: str = ""    # "lp" (vials fixed), "rounded" (around the LP relaxation), "mip" (the whole MIP, time-bounded)


@dataclass
class PaceRow:
    row: int
    district: str
    product: str
    expiry: object
    limit: float        # doses the district can administer of this product by this expiry


@dataclass
class Built:
    h: highspy._Highs | None  # the MIP (propose mode)
    pre: Prepared
    mode: str
    lb: list = field(default_factory=list)
    ub: list = field(default_factory=list)
    integer: list = field(default_factory=list)
    cost: dict = field(default_factory=lambda: {name: {} for name in STAGES})
    x: dict = field(default_factory=dict)      # (district, lot) -> column: vials sent
    z: dict = field(default_factory=dict)      # (district, lot) -> column: 1 if a shipment is made
    s: dict = field(default_factory=dict)      # (district, lot) -> column: doses sent but not administered
    y: dict = field(default_factory=dict)      # (district, source, lot) -> column: doses administered
    w: dict = field(default_factory=dict)      # (district, product, cohort, dose) -> column: doses of it given
    u: dict = field(default_factory=dict)      # (district, cohort, dose) -> column: people left without a dose
    rows_lo: list = field(default_factory=list)
    rows_hi: list = field(default_factory=list)
    starts: list = field(default_factory=list)
    index: list = field(default_factory=list)
    value: list = field(default_factory=list)
    pace_rows: list = field(default_factory=list)
    capacity_rows: dict = field(default_factory=dict)  # district -> (row, doses it may still receive)
    offset: float = 0.0  # doses at risk in the horizon: expiring = offset - administered doses of those lots

    def col(self, lb: float, ub: float, integer: bool = False) -> int:
        self.lb.append(lb)
        self.ub.append(ub)
        self.integer.append(integer)
        return len(self.lb) - 1

    def row(self, lo: float, hi: float, terms: list[tuple[int, float]]) -> int:
        self.rows_lo.append(lo)
        self.rows_hi.append(hi)
        self.starts.append(len(self.index))
        for col, coef in terms:
            self.index.append(col)
            self.value.append(coef)
        return len(self.rows_lo) - 1


def usable_rows(pre: Prepared, district: str, product: str) -> list[tuple[str, int]]:
    """The (cohort, dose) rows of a district a product may serve: approved, with people still to vaccinate."""
    return sorted((c, k) for (c, k) in pre.approved(product) if (district, c, k) in pre.need)


def candidate(pre: Prepared, district: str, lot: Lot) -> bool:
    """Whether a province lot may go to a district at all: an approved row with need, a pace for the product, time."""
    rate = pre.pace.get((district, lot.product), (0.0, 0.0))[0]
    return bool(usable_rows(pre, district, lot.product)) and rate > 0 and lot.days > 0


def most_vials(pre: Prepared, district: str, lot: Lot) -> int:
    """The most vials of a lot a district may receive: what it can administer before expiry (pace x days, people of
    the approved rows) plus at most the last vial opened, what its cold chain still holds, the lot's stock. The bound
    of x and the big-M of its shipment: the tighter, the faster the MIP."""
    rate = pre.pace.get((district, lot.product), (0.0, 0.0))[0]
    people = sum(pre.need[(district, c, k)][0] for c, k in usable_rows(pre, district, lot.product))
    usable = min(rate * lot.days, people)
    most = min(lot.vials, int((usable + lot.doses_per_vial - 1) // lot.doses_per_vial))
    if district in pre.capacity:
        room = max(0.0, pre.capacity[district] - pre.own_doses(district))
        most = min(most, int(room // lot.doses_per_vial))
    return max(most, 0)


def build(pre: Prepared, fixed: dict[tuple[str, str], int] | None = None) -> Built:
    """The model; fixed (district, lot) -> vials switches to evaluate mode."""
    b = Built(None, pre, "propose" if fixed is None else "evaluate")
    propose = fixed is None
    # district -> product -> [(expiry, [y columns])]: the lots whose use counts against the district's pace
    timeline: dict[tuple[str, str], list[tuple[object, list[int]]]] = {}
    need_terms: dict[tuple[str, str, int], list[tuple[int, float]]] = {key: [] for key in pre.need}

    # district x product -> the use columns of its lots: their sum is shared among the approved rows (w), so that a
    # lot's use is one column however many cohorts and doses its product serves
    product_lots: dict[tuple[str, str], list[int]] = {}

    def use_columns(district: str, source: str, lot: Lot, most: float = INF) -> list[int]:
        if not usable_rows(pre, district, lot.product):
            return []
        col = b.col(0.0, most)
        b.y[(district, source, lot.lot)] = col
        if lot.in_horizon:
            b.cost["expiring"][col] = -1.0
        product_lots.setdefault((district, lot.product), []).append(col)
        timeline.setdefault((district, lot.product), []).append((lot.expiry, [col]))
        return [col]

    for lot in pre.lots:
        if lot.in_horizon:
            b.offset += lot.vials * lot.doses_per_vial
        supply = []
        for d in pre.districts:
            pinned = pre.pins.get((d, lot.lot))
            most = most_vials(pre, d, lot) if propose else lot.vials
            if propose and not ((candidate(pre, d, lot) and most > 0) or pinned):
                continue
            if not propose and not fixed.get((d, lot.lot)):
                continue
            lo, hi = (pinned, pinned) if pinned is not None else (0, most)
            if not propose:
                lo = hi = fixed[(d, lot.lot)]
            x = b.col(lo, hi, integer=True)
            b.x[(d, lot.lot)] = x
            supply.append((x, 1.0))
            b.s[(d, lot.lot)] = s = b.col(0.0, lot.doses_per_vial - 1 if propose else INF)
            cols = use_columns(d, PROVINCE_LOT, lot)
            # every dose sent is administered before expiry, but for part of the last vial opened (s)
            b.row(0.0, 0.0, [(x, float(lot.doses_per_vial)), (s, -1.0)] + [(col, -1.0) for col in cols])
            if propose:
                b.cost["fefo"][x] = float((lot.rank + 1) * lot.doses_per_vial)
                b.z[(d, lot.lot)] = z = b.col(1.0 if pinned else 0.0, 1.0, integer=True)
                b.cost["shipments"][z] = 1.0
                b.row(-INF, 0.0, [(x, 1.0), (z, -float(max(hi, 1)))])
                low = pre.min_vials.get(d)
                if low:
                    b.row(0.0, INF, [(x, 1.0), (z, -float(low))])
        if propose and supply:
            b.row(-INF, float(lot.vials), supply)

    for own in pre.own:
        if own.in_horizon:
            b.offset += own.doses
        use_columns(own.district, OWN_LOT, own, float(own.doses))

    for (d, product), cols in product_lots.items():
        shares = []
        for c, k in usable_rows(pre, d, product):
            b.w[(d, product, c, k)] = w = b.col(0.0, INF)
            need_terms[(d, c, k)].append((w, 1.0))
            shares.append((w, -1.0))
        b.row(0.0, 0.0, [(col, 1.0) for col in cols] + shares)

    for key, (people, weight) in pre.need.items():
        b.u[key] = u = b.col(0.0, people)
        b.cost["unmet"][u] = weight
        b.row(people, people, need_terms[key] + [(u, 1.0)])

    # pace: what the district holds of a product and administers by each expiry fits in its pace times the days
    # (first-expiry-first-out at the district: the classic earliest-deadline condition, one row per expiry date)
    for (d, product), entries in sorted(timeline.items(), key=lambda kv: kv[0]):
        rate = pre.pace.get((d, product), (0.0, 0.0))[0]
        for expiry in sorted({e for e, _ in entries}):
            cols = [col for e, group in entries if e <= expiry for col in group]
            if cols:
                limit = rate * (expiry - pre.as_of).days
                b.pace_rows.append(PaceRow(b.row(-INF, limit, [(col, 1.0) for col in cols]), d, product, expiry, limit))

    if propose:
        for d, cap in pre.capacity.items():
            sent = [(b.x[(dd, lot.lot)], float(lot.doses_per_vial)) for lot in pre.lots for dd in [d]
                    if (dd, lot.lot) in b.x]
            room = max(0.0, cap - pre.own_doses(d))
            if sent:
                b.capacity_rows[d] = (b.row(-INF, room, sent), room)

    b.h = model_highs(b, integer=True) if propose else None  # evaluate mode solves its LP on an instance of its own
    return b


@dataclass
class Solved:
    status: str                      # "optimal" or "infeasible"
    col: np.ndarray | None
    row: np.ndarray | None
    stages: list[StageReport]


def model_highs(b: Built, integer: bool) -> highspy._Highs:
    """The model in a HiGHS instance of its own: the vials integer, or all continuous (the LP relaxation)."""
    h = quiet_highs()
    h.setOptionValue("threads", int(b.pre.options.threads))  # one value for every instance: HiGHS's scheduler is shared
    n = len(b.lb)
    h.addVars(n, np.array(b.lb, dtype=np.float64), np.array(b.ub, dtype=np.float64))
    ints = np.array([i for i, flag in enumerate(b.integer) if flag], dtype=np.int32)
    if integer and len(ints):
        h.changeColsIntegrality(len(ints), ints, np.full(len(ints), highspy.HighsVarType.kInteger.value, np.uint8))
    if b.rows_lo:
        h.addRows(len(b.rows_lo), np.array(b.rows_lo, dtype=np.float64), np.array(b.rows_hi, dtype=np.float64),
                  len(b.index), np.array(b.starts, dtype=np.int32), np.array(b.index, dtype=np.int32),
                  np.array(b.value, dtype=np.float64))
    return h
