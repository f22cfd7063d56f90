"""The lexicographic solve of the allocation MIP (app.allocation_model builds it), docs/allocation-model.md "How it
is solved".

Each stage is a MIP (stock, vials, approvals, pace, cold chain, minimum shipments, and the earlier stages held at
their values). HiGHS's branch and bound on the whole model finds it hard to move once the earlier stages are held:
a rounding of the vials must keep those sums almost equal. So the LP relaxation of the stages is solved first
(milliseconds); its vials, rounded within a small neighbourhood (floor or ceiling of each, 0 or the minimum
shipment, joined with the best solution so far), make a small MIP that HiGHS solves exactly; the whole model is
searched, from that solution and within the stage's time limit, only when the result is not within mip_rel_gap of
the stage's bound. Each stage's search also weighs the next stage's objective, at most half the allowed gap, so that
it ends where the next stage can still move. Every gap is measured on the stage's own scale (doses expiring,
weighted people unmet, FEFO-weighted doses, shipments) against a proven lower bound: the LP relaxation with the
earlier stages held at their final values, or HiGHS's dual bound on the whole model.
"""
from __future__ import annotations

import time

import highspy
import numpy as np

from app.allocation_bounds import cuts, entries, implied, lagrangian
from app.allocation_search import Exchanges, Swaps
from app.allocation_model import (EVALUATE_STAGES, INF, STAGE_TOL_ABS, STAGE_TOL_REL, STAGES, Built, Solved,
                                  StageReport, model_highs)


class _Stages:
    """The stage objectives of a Built model as HiGHS sees them: cost vectors, the row that keeps a stage within its
    limit in the next ones, and the offset that turns "minus the doses administered" into doses expiring."""

    def __init__(self, b: Built):
        self.b, self.n, self.all = b, len(b.lb), np.arange(len(b.lb), dtype=np.int32)

    def costs(self, name: str) -> np.ndarray:
        c = np.zeros(self.n)
        c[list(self.b.cost[name])] = list(self.b.cost[name].values())
        return c

    def offset(self, name: str) -> float:
        return self.b.offset if name == "expiring" else 0.0

    def value(self, name: str, col: np.ndarray) -> float:
        return float(self.costs(name) @ col)

    def aim(self, hs: list, name: str) -> None:
        for h in hs:
            h.changeColsCost(self.n, self.all, self.costs(name))

    def keep(self, hs: list, name: str, limit: float) -> None:
        cols = np.array(sorted(self.b.cost[name]), dtype=np.int32)
        for h in hs if len(cols) else []:
            h.addRow(-INF, limit + STAGE_TOL_ABS + STAGE_TOL_REL * abs(limit), len(cols), cols,
                     np.array([self.b.cost[name][c] for c in cols], dtype=np.float64))

    def gap(self, name: str, value: float, bound: float) -> float:
        """Relative gap on the scale the planner reads (doses expiring, weighted people unmet, ...)."""
        return max(value - bound, 0.0) / max(abs(value + self.offset(name)), 1.0)

    def ahead(self, name: str, after: str | None, allowed: float) -> tuple[np.ndarray, float]:
        """This stage's costs plus the next stage's (all >= 0), weighted so that the next stage weighs at most half
        this one's allowed gap: among solutions as good on this stage, the search prefers the ones good on the next.
        Returns the costs and that most weight (a bound on the weighted sum, less it, bounds this stage)."""
        costs = self.costs(name)
        if after is None or not self.b.cost[after] or not np.isfinite(allowed):
            return costs, 0.0
        cols = list(self.b.cost[after])
        span = float(np.abs(self.costs(after)[cols]) @ (np.array(self.b.ub)[cols] - np.array(self.b.lb)[cols]))
        share = allowed * LOOKAHEAD
        return (costs + (share / span) * self.costs(after), share) if 0 < span < INF else (costs, 0.0)

    @staticmethod
    def better(weights: np.ndarray, found, best):
        return found if found is not None and (best is None or weights @ found < weights @ best - 1e-9) else best


OPTIMAL = highspy.HighsModelStatus.kOptimal
TARGETED = ("expiring", "unmet")  # the stages held to mip_rel_gap; the others are tie-breaks (docs/allocation-model.md)
BOX_NODES = 1000  # branch-and-bound nodes of the MIP around the guide (those measured end at the root)
ROUNDED_SECONDS = 0.2  # seconds it may take at least (its root can take seconds, and rarely gains after 0,2 s)
LOOKAHEAD = 0.5  # of a stage's allowed gap, the most the next stage's objective may weigh in its search
BOX_GAP = 0.1  # the MIP around the guide stops within this share of the allowed gap (1: FEFO and expiring worse)
# the districts' problems in whole vials (app.allocation_bounds.lagrangian) and the MIP around their solution take
# at most this long each; they bound and guide the expiring stage, and the unmet stage when a stage may search as long
DISTRICT_SECONDS = 0.5
DISTRICT_GAP = 0.5  # of the allowed gap: the MIP around the districts' solution stops there
EXCHANGED = ("unmet",)  # the stages searched by exchanges between pairs of districts (app.allocation_search)
EXCHANGE_SECONDS = 0.4  # ... for at most this long each
SWAPPED = ("fefo",)  # the stages whose result is repaired by swapping later lots for earlier ones (Swaps)
SWAP_SECONDS = 0.1  # ... for at most this long, or half the stage's time limit (the page: 0,5 s)
REBALANCE_LIMIT = 0.5  # ... the swaps that need an LP (1-2 ms each) tried when a stage may search this long (the page)
REGUIDED = ("unmet",)  # the stages guided by their own bound LP rather than the lexicographic LP's solution
IMPLIED = ("expiring",)  # the stages whose value bounds the next stages' search (reduced-cost fixing)
NEAR = 3.0  # vials: how far from the guide's neighbourhood the best solution so far may pull it


def _lp(h: highspy._Highs) -> float | None:
    h.run()
    return float(h.getInfo().objective_function_value) if h.getModelStatus() == OPTIMAL else None


def _box(b: Built, guide: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rounding neighbourhood of an LP solution: each vial count between the floor and the ceiling of its LP
    value (0 up to the minimum shipment where the LP sends less than that), the shipment flags to match."""
    lo, hi = np.array(b.lb, dtype=np.float64), np.array(b.ub, dtype=np.float64)
    for key, x in b.x.items():
        value, low = guide[x], min(b.pre.min_vials.get(key[0], 0), hi[x])
        lo[x], hi[x] = max(lo[x], np.floor(value + 1e-6)), min(hi[x], np.ceil(value - 1e-6))
        if low and 1e-6 < value and lo[x] < low:
            lo[x], hi[x] = b.lb[x], max(hi[x], low)
        if key in b.z:
            lo[b.z[key]], hi[b.z[key]] = (1.0 if lo[x] >= 1 else b.lb[b.z[key]]), (0.0 if hi[x] <= 0 else 1.0)
    return lo, hi


def _near(b: Built, box, best, reach: float = NEAR):
    """The guide's neighbourhood joined with the best solution so far: each vial count between the two where they are
    at most reach vials apart, at the best solution's where they are further (so the best solution stays in it)."""
    if best is None:
        return box
    lo, hi = box[0].copy(), box[1].copy()
    x = np.array(list(b.x.values()) + list(b.z.values()), dtype=np.int64)
    at = np.round(best[x])
    far = (at < lo[x] - reach) | (at > hi[x] + reach)
    lo[x], hi[x] = np.where(far, at, np.minimum(lo[x], at)), np.where(far, at, np.maximum(hi[x], at))
    return lo, hi


def _mip(h: highspy._Highs, lo, hi, start, time_limit: float, gap: float, nodes: int = 2**31 - 1):
    """The MIP within bounds from a starting solution, stopped at an absolute gap (the stage's own scale: HiGHS's
    relative gap of the expiring stage would be relative to the doses administered): (best solution or None, bound)."""
    h.changeColsBounds(len(lo), np.arange(len(lo), dtype=np.int32), lo, hi)
    if start is not None:
        solution = highspy.HighsSolution()
        solution.col_value, solution.value_valid = list(start), True
        h.setSolution(solution)
    h.setOptionValue("time_limit", float(max(time_limit, 0.01)))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", float(gap))
    h.setOptionValue("mip_max_nodes", int(nodes))
    h.run()
    info = h.getInfo()
    return (np.array(h.getSolution().col_value) if info.primal_solution_status == 2 else None), info.mip_dual_bound


def _evaluate_stages(b: Built, names) -> Solved:
    """Evaluate mode (the vials fixed): a linear programme, one stage after another."""
    h, s, reports = model_highs(b, integer=False), _Stages(b), []
    for name in names:
        started = time.perf_counter()
        s.aim([h], name)
        value = _lp(h)
        if value is None:
            return Solved("infeasible", None, None, reports)
        shown = value + s.offset(name)
        reports.append(StageReport(name, shown, 0.0, time.perf_counter() - started, shown, "lp"))
        s.keep([h], name, value)
    solution = h.getSolution()
    return Solved("optimal", np.array(solution.col_value), np.array(solution.row_value), reports)


def solve_stages(b: Built, stages: tuple[str, ...] | None = None) -> Solved:
    """Lexicographic solve: each stage minimised (module docstring), then kept at its value in the next ones."""
    opt, names = b.pre.options, stages or (STAGES if b.mode == "propose" else EVALUATE_STAGES)
    if len(b.lb) == 0:
        return Solved("optimal", np.zeros(0), np.zeros(0), [StageReport(n, 0.0, 0.0, 0.0) for n in names])
    if b.mode != "propose":
        return _evaluate_stages(b, names)
    s, target, h = _Stages(b), float(opt.mip_rel_gap), b.h
    relaxed, bounds_lp = model_highs(b, integer=False), model_highs(b, integer=False)
    _add_rows([relaxed, bounds_lp, h], cuts(b))  # valid for whole vials: the bounds rise, the guide rounds better
    first = None
    for name in [n for n in names if n != "shipments"] or names:  # the guide: the lexicographic LP relaxation
        s.aim([relaxed], name)
        value = _lp(relaxed)
        if value is None:
            return Solved("infeasible", None, None, [])
        first = value if first is None else first
        s.keep([relaxed], name, value)
    box = _box(b, np.array(relaxed.getSolution().col_value))
    full = (np.array(b.lb, dtype=np.float64), np.array(b.ub, dtype=np.float64))
    reports, best, bounds = [], None, {}
    for name in names:
        started, off = time.perf_counter(), s.offset(name)
        s.aim([bounds_lp], name)
        bound = _lp(bounds_lp)  # the first stage's is the guide's first LP, solved again for its duals (implied)
        if bound is None:
            return Solved("infeasible", None, None, reports)
        # the shipments stage is a tie-break (its LP bound is weak: it stops at its own, shorter time limit)
        limit = opt.shipments_time_limit if name == "shipments" else opt.time_limit
        allowed = target * max(bound + off, 1.0) / (1.0 - target) if target < 1 else INF  # absolute: doses, people
        # around the guide (and the best solution so far), then the whole model while not within the allowed gap
        weights, shift = s.ahead(name, (names[names.index(name) + 1:] or [None])[0], allowed)
        h.changeColsCost(s.n, s.all, weights)
        small = max(limit, ROUNDED_SECONDS) if name in TARGETED else limit
        decomposed = name == "expiring" or name == "unmet" and opt.time_limit >= DISTRICT_SECONDS
        tries = [("rounded", small)] + ([("districts", DISTRICT_SECONDS)] if decomposed else []) + \
            ([("exchanges", EXCHANGE_SECONDS)] if name in EXCHANGED else []) + ([("mip", limit)] if limit > 0 else [])
        for method, seconds in tries:
            if method == "districts":  # each district in whole vials at the LP's prices: a bound, and a guide
                if not reports:
                    _lp(bounds_lp)
                dual, parts = lagrangian(b, bounds_lp, s.costs(name), seconds)
                bound = max(bound, dual)
                if best is not None and s.gap(name, s.value(name, best), bound) <= target:
                    break
                lo, hi = _near(b, _clip(_box(b, _combined(bounds_lp, parts)), full), best, INF)
            elif method == "exchanges":  # pairs of districts, the others fixed (app.allocation_search)
                if best is not None:
                    found = Exchanges(b, h, *full).improve(s.costs(name), best, seconds)
                    best = found if s.value(name, found) < s.value(name, best) - 1e-9 else best
                    if s.gap(name, s.value(name, best), bound) <= target:
                        break
                continue
            else:
                if reports and name in REGUIDED:  # the stage's bound LP, the earlier stages at the proposal's values
                    box = _box(b, np.array(bounds_lp.getSolution().col_value))
                lo, hi = _near(b, _clip(box, full), best) if method == "rounded" else full
            found, dual = _mip(h, lo, hi, best, seconds, allowed * {"mip": 1.0, "districts": DISTRICT_GAP}.get(method, BOX_GAP),
                               2**31 - 1 if method == "mip" else BOX_NODES)
            best = s.better(weights, found, best)
            if method == "mip" and np.isfinite(dual) and h.getModelStatus() != highspy.HighsModelStatus.kInfeasible:
                bound = max(bound, dual - shift)
            if best is not None and s.gap(name, s.value(name, best), bound) <= target:
                break
        if best is None and h.getModelStatus() != highspy.HighsModelStatus.kInfeasible:
            best = _mip(h, *full, None, max(opt.time_limit, 60.0), allowed)[0]  # not proven infeasible: a longer look
        if best is None:
            return Solved("infeasible", None, None, reports)
        if name in SWAPPED:
            best = Swaps(b, h, *full).improve(best, max(SWAP_SECONDS, opt.time_limit / 2),
                                              rebalance=opt.time_limit >= REBALANCE_LIMIT)
        value, bounds[name] = s.value(name, best), bound
        reports.append(StageReport(name, value + off, 0.0, time.perf_counter() - started, bound + off, method))
        if name in IMPLIED and name != names[-1]:  # the next stages search only where this stage's value allows
            full = _restrict(b, h, implied(bounds_lp, s.costs(name), value + STAGE_TOL_ABS + STAGE_TOL_REL * abs(value)),
                             full, best)
        s.keep([h, bounds_lp], name, value)  # the next stages keep this stage at its value
    h.changeColsBounds(s.n, s.all, *full)
    return Solved("optimal", best, _activities(b, best), _final_gaps(s, names, best, reports, bounds))


def _clip(box, full):
    return np.clip(box[0], *full), np.clip(box[1], *full)


def _restrict(b: Built, h: highspy._Highs, bounds, full, best):
    """The columns' and rows' bounds implied by a stage's value (app.allocation_bounds.implied) put on the search
    model h, the columns' in whole vials, widened to hold the best solution (it stays a start, whatever the
    rounding). Returns the columns' bounds."""
    col_lo, col_hi, row_lo, row_hi = bounds
    integer = np.array(b.integer)
    col_lo, col_hi = np.where(integer, np.ceil(col_lo - 1e-6), col_lo), np.where(integer, np.floor(col_hi + 1e-6), col_hi)
    index, cols, value = entries(h.getLp())
    m = len(row_lo)
    activity = np.bincount(index, weights=value * best[cols], minlength=h.getNumRow())[:m]
    h.changeRowsBounds(m, np.arange(m, dtype=np.int32), np.minimum(row_lo, activity), np.maximum(row_hi, activity))
    return np.minimum(np.maximum(full[0], col_lo), best), np.maximum(np.minimum(full[1], col_hi), best)


def _combined(lp: highspy._Highs, parts: dict) -> np.ndarray:
    """The LP's solution with the districts solved in whole vials put in (app.allocation_bounds.lagrangian)."""
    col = np.array(lp.getSolution().col_value)
    for columns, values in parts.values():
        col[columns] = values
    return col


def _add_rows(hs: list, rows: list) -> None:
    if not rows:
        return
    starts = np.cumsum([0] + [len(terms) for _, _, terms in rows[:-1]]).astype(np.int32)
    index = np.array([c for _, _, terms in rows for c, _ in terms], dtype=np.int32)
    value = np.array([v for _, _, terms in rows for _, v in terms], dtype=np.float64)
    lo, hi = np.array([r[0] for r in rows], dtype=np.float64), np.array([r[1] for r in rows], dtype=np.float64)
    for h in hs:
        h.addRows(len(rows), lo, hi, len(index), starts, index, value)


def _activities(b: Built, col: np.ndarray) -> np.ndarray:
    rows = np.repeat(np.arange(len(b.starts)), np.diff(np.append(b.starts, len(b.index))))
    return np.bincount(rows, weights=np.array(b.value) * col[np.array(b.index, dtype=np.int64)],
                       minlength=len(b.starts))


def _final_gaps(s: _Stages, names, col, reports, bounds) -> list[StageReport]:
    """Each stage's objective on the final solution (a later stage may only have lowered it) and its gap against the
    bound proven while the stage was solved (its earlier stages held at values no lower than their final ones)."""
    for report, name in zip(reports, names):
        value = s.value(name, col)
        bound = min(bounds[name], value)
        report.objective, report.bound, report.gap = value + s.offset(name), bound + s.offset(name), \
            s.gap(name, value, bound)
    return reports
