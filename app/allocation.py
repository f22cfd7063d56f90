"""Vaccine allocation from the province store to the districts: a proposal from a MIP solver, and the pro-rata split
it is compared with (issue 13). The model, its definitions and what is out of scope: docs/allocation-model.md.

A page calls, with an AllocationInput (app.allocation_inputs) built from the marts:

    proposal = solve(inp)              # Proposal: status, allocation, outcome, stages, explanations, infeasible
    split = pro_rata(inp)              # the pro-rata allocation, same columns as proposal.allocation
    table = compare(inp, proposal)     # side by side: expiring, saved, unmet, districts short, shipments

Both allocations are measured by evaluate(), the one definition of "expiring unused", "unmet need" and "short".
Nothing here reads the warehouse or the state database.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from app import allocation_explain as explain
from app.allocation_inputs import (OWN_LOT, PROVINCE_LOT, AllocationInput, Approval, Options,  # noqa: F401 (API)
                                   Prepared, prepare)
from app.allocation_model import STAGES, Built, StageReport, build  # noqa: F401 (STAGES: API)
from app.allocation_solve import solve_stages

ALLOCATION_COLUMNS = ["district", "name", "lot", "product", "expiry", "doses_per_vial", "vials", "doses"]
# a district is short when its unmet need, rounded to whole people, is at least one person
SHORT_PEOPLE = 0.5


@dataclass
class Outcome:
    """The figures of one allocation (evaluate()). expiring_unused = expiring_province + expiring_own."""
    expiring_unused: float       # doses that expire unused within the horizon, both levels
    expiring_province: float     # of the province store's lots: left in the store, or sent and not administered
    expiring_own: float          # of the districts' own stock
    unmet_people: float
    unmet_weighted: float
    districts_short: int
    shipments: int
    surplus_districts: float     # doses of lots expiring after the horizon sent beyond what a district can use
    lots: pd.DataFrame           # per province lot
    own: pd.DataFrame            # per district own lot
    need: pd.DataFrame           # per district x cohort x dose: people, weight, served, unmet
    usage: pd.DataFrame          # district, source, lot, cohort, dose, doses administered


@dataclass
class Proposal:
    status: str                                  # "optimal" or "infeasible"
    allocation: pd.DataFrame                     # ALLOCATION_COLUMNS, one row per district x lot with vials > 0
    outcome: Outcome | None
    stages: list[StageReport] = field(default_factory=list)
    explanations: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=explain.COLUMNS))
    infeasible: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=explain.COLUMNS))
    notes: list[str] = field(default_factory=list)  # lots left out (expired, no approval)


def allocation_frame(pre: Prepared, vials: dict[tuple[str, str], int]) -> pd.DataFrame:
    rows = []
    for (d, code), n in sorted(vials.items()):
        if n > 0:
            lot = pre.lot(code)
            rows.append((d, pre.names.get(d, d), code, lot.product, lot.expiry, lot.doses_per_vial, int(n),
                         int(n) * lot.doses_per_vial))
    return pd.DataFrame(rows, columns=ALLOCATION_COLUMNS).astype({"vials": "int64", "doses": "int64"})


def _vials(allocation: pd.DataFrame) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for r in allocation.itertuples():
        key = (str(r.district), str(r.lot))
        out[key] = out.get(key, 0) + int(r.vials)
    return out


def usage_rows(b: Built, col) -> list[tuple]:
    """(district, source, lot, cohort, dose, doses) from a solution: each district's doses of a product shared among
    the rows they serve, lots first-expiry-first-out and the most urgent rows first (any split is as good: the
    model counts a product's doses per row, not which lot of it went to whom)."""
    lots: dict[tuple[str, str], list] = {}
    expiry = {(lot.district, lot.lot): lot.expiry for lot in b.pre.own}
    expiry.update({("", lot.lot): lot.expiry for lot in b.pre.lots})
    product_of = {(lot.district, lot.lot): lot.product for lot in b.pre.own}
    product_of.update({("", lot.lot): lot.product for lot in b.pre.lots})
    for (d, source, code), i in b.y.items():
        key = ("" if source == PROVINCE_LOT else d, code)
        product = product_of[key]
        lots.setdefault((d, product), []).append([expiry[key], source, code, max(round(float(col[i]), 3), 0.0)])
    out = []
    for (d, product), held in sorted(lots.items()):
        held.sort()
        rows = sorted(((-b.pre.need[(d, c, k)][1], c, k, max(round(float(col[i]), 3), 0.0))
                       for (dd, p, c, k), i in b.w.items() if dd == d and p == product))
        j = 0
        for _, c, k, want in rows:
            while want > 1e-9 and j < len(held):
                take = min(want, held[j][3])
                if take > 0:
                    out.append((d, held[j][1], held[j][2], c, k, round(take, 3)))
                want -= take
                held[j][3] -= take
                if held[j][3] <= 1e-9:
                    j += 1
    return out


def evaluate(inp: AllocationInput | Prepared, allocation: pd.DataFrame) -> Outcome:
    """What an allocation does, the districts using what they hold as well as they can (first-expiry-first-out at
    their pace, to the people who need it): doses expiring unused, unmet need, districts short, surplus."""
    pre = inp if isinstance(inp, Prepared) else prepare(inp)
    vials = {k: v for k, v in _vials(allocation).items() if v > 0}
    b = build(pre, fixed=vials)
    solved = solve_stages(b)
    col = solved.col
    # rounded to a thousandth of a dose: below that is the solver's tolerance, not an amount of vaccine
    usage = pd.DataFrame(usage_rows(b, col), columns=["district", "source", "lot", "cohort", "dose", "doses"])
    given = {key: max(round(float(col[i]), 3), 0.0) for key, i in b.y.items()}
    used = {}
    for (d, source, code), doses in given.items():
        used[(source, code)] = used.get((source, code), 0.0) + doses
    used_own = {(d, code): doses for (d, source, code), doses in given.items() if source == OWN_LOT}
    lot_rows = []
    for lot in pre.lots:
        doses = lot.vials * lot.doses_per_vial
        sent = sum(n * lot.doses_per_vial for (d, code), n in vials.items() if code == lot.lot)
        given = used.get((PROVINCE_LOT, lot.lot), 0.0)
        expiring = doses - given if lot.in_horizon else 0.0
        kept = 0.0 if lot.in_horizon else doses - sent
        surplus = 0.0 if lot.in_horizon else sent - given
        lot_rows.append((lot.lot, lot.product, lot.expiry, lot.in_horizon, doses, sent, given, doses - sent,
                         sent - given, expiring, kept, surplus))
    lots = pd.DataFrame(lot_rows, columns=["lot", "product", "expiry", "in_horizon", "doses", "sent", "administered",
                                           "left_province", "left_districts", "expiring_unused", "kept_province",
                                           "surplus_districts"])
    own_rows = []
    for o in pre.own:
        given = used_own.get((o.district, o.lot), 0.0)
        own_rows.append((o.district, o.lot, o.product, o.expiry, o.doses, given,
                         o.doses - given if o.in_horizon else 0.0))
    own = pd.DataFrame(own_rows, columns=["district", "lot", "product", "expiry", "doses", "administered",
                                          "expiring_unused"])
    unmet = {key: max(round(float(col[i]), 3), 0.0) for key, i in b.u.items()}
    need = pd.DataFrame([(d, pre.names.get(d, d), c, k, people, weight, people - unmet[(d, c, k)], unmet[(d, c, k)])
                         for (d, c, k), (people, weight) in pre.need.items()],
                        columns=["district", "name", "cohort", "dose", "people", "weight", "served", "unmet"])
    short = need.groupby("district")["unmet"].sum() if len(need) else pd.Series(dtype=float)
    province_expiring = float(lots["expiring_unused"].sum()) if len(lots) else 0.0
    own_expiring = float(own["expiring_unused"].sum()) if len(own) else 0.0
    return Outcome(province_expiring + own_expiring, province_expiring, own_expiring,
                   float(need["unmet"].sum()) if len(need) else 0.0,
                   float((need["unmet"] * need["weight"]).sum()) if len(need) else 0.0,
                   int((short >= SHORT_PEOPLE).sum()), len(vials),
                   float(lots["surplus_districts"].sum()) if len(lots) else 0.0, lots, own, need, usage)


def solve(inp: AllocationInput) -> Proposal:
    """The proposal: HiGHS minimises, in this order, doses expiring unused, unmet need weighted by urgency, doses sent
    out of first-expiry-first-out order (and from the province when a district's own stock would do), shipments."""
    pre = prepare(inp)
    problems = explain.precheck(pre)
    if len(problems):
        return Proposal("infeasible", pd.DataFrame(columns=ALLOCATION_COLUMNS), None, infeasible=problems,
                        notes=pre.dropped)
    b = build(pre)
    solved = solve_stages(b)
    if solved.status != "optimal":
        return Proposal("infeasible", pd.DataFrame(columns=ALLOCATION_COLUMNS), None, solved.stages,
                        infeasible=explain.diagnose(pre), notes=pre.dropped)
    vials = {key: int(round(solved.col[i])) for key, i in b.x.items()}
    allocation = allocation_frame(pre, vials)
    outcome = evaluate(pre, allocation)
    return Proposal("optimal", allocation, outcome, solved.stages, explain.binding(pre, b, solved, outcome),
                    notes=pre.dropped)


def pro_rata(inp: AllocationInput | Prepared, population: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each lot shared among the active districts in proportion to the population of the cohorts its product is
    approved for, in whole vials: the floor of each share, then the vials left one each to the largest remainders
    (ties: the district listed first)."""
    pre = inp if isinstance(inp, Prepared) else prepare(inp)
    population = population if population is not None else inp.population
    if population is None:
        raise ValueError("pro_rata needs the population per district x cohort")
    pop: dict[tuple[str, str], float] = {}
    for r in population.itertuples():
        pop[(str(r.district), str(r.cohort))] = pop.get((str(r.district), str(r.cohort)), 0.0) + float(r.people)
    vials: dict[tuple[str, str], int] = {}
    for lot in pre.lots:
        cohorts = set(pre.approvals[lot.product].cohorts)
        weights = [(d, sum(pop.get((d, c), 0.0) for c in cohorts)) for d in pre.districts]
        total = sum(w for _, w in weights)
        if total <= 0:
            continue
        shares = [(d, lot.vials * w / total) for d, w in weights]
        whole = {d: int(share) for d, share in shares}
        left = lot.vials - sum(whole.values())
        order = sorted(range(len(shares)), key=lambda i: (-(shares[i][1] - whole[shares[i][0]]), i))
        for i in order[:left]:
            whole[shares[i][0]] += 1
        vials.update({(d, lot.lot): n for d, n in whole.items() if n > 0})
    return allocation_frame(pre, vials)


COMPARE_LABELS = {
    "expiring_unused": "Liều hết hạn chưa dùng (trong kỳ kế hoạch)",
    "saved": "Liều tránh được hết hạn so với chia theo dân số",
    "unmet_people": "Nhu cầu chưa đáp ứng (người)",
    "districts_short": "Số huyện còn thiếu vắc xin",
    "shipments": "Số chuyến giao (huyện × lô)",
    "surplus_districts": "Liều dư tại huyện (lô hạn dài, quá nhu cầu)",
}


def compare(inp: AllocationInput, proposal: Proposal, split: pd.DataFrame | None = None) -> pd.DataFrame:
    """Pro-rata and proposal side by side, one row per figure: key, label (Vietnamese), pro_rata, proposal."""
    pre = prepare(inp)
    split = split if split is not None else pro_rata(pre, inp.population)
    base = evaluate(pre, split)
    mine = proposal.outcome
    rows = [(key, label,
             float(base.expiring_unused - mine.expiring_unused) if key == "saved" else float(getattr(base, key)),
             float(base.expiring_unused - mine.expiring_unused) if key == "saved" else float(getattr(mine, key)))
            for key, label in COMPARE_LABELS.items()]
    rows[1] = ("saved", COMPARE_LABELS["saved"], 0.0, rows[1][3])
    return pd.DataFrame(rows, columns=["key", "label", "pro_rata", "proposal"])
