"""Valid inequalities (cuts) of the allocation MIP (app.allocation_model), docs/allocation-model.md "How it is
solved": they hold for every allocation in whole vials, so adding them to the LP relaxation keeps its optimum a lower
bound of each stage, and brings its solution closer to whole vials (the rounding around it loses less).

Mixed-integer rounding on a district's use of a product. For district d, product p and a set G of province lots of p
(one lot, or every lot expiring by a date e), with one number of doses per vial q:

    Y = Σ_{l∈G} y_dl ≤ B,   Y ≤ q X,   X = Σ_{l∈G} x_dl integer ≥ 0,

where B = min(pace × days to e, people of the rows p is approved for) (the pace row of e holds Y plus the district's
own lots by e, all ≥ 0; the approval rows hold all its doses of p below those people). With n = ⌊B / q⌋ and
r = B − q n, every integer X gives Y ≤ r X + (q − r) n: for X ≤ n the right side is at least q X, for X ≥ n + 1
at least q n + r = B. This is the convex hull of the (X, Y) pairs: the relaxation may no longer use the fraction of a
vial that only a split vial would give (47,3 doses of a 10-dose lot need 5 vials: 4,73 vials give at most 43,1).
"""
from __future__ import annotations

import math
import time

import highspy
import numpy as np

from app.allocation_inputs import PROVINCE_LOT
from app.allocation_model import INF, Built, usable_rows

EPS = 1e-6
UNBOUNDED = 1e7  # doses: more than a province holds; a column without an upper bound counts as at most this


def cuts(b: Built) -> list[tuple[float, float, list[tuple[int, float]]]]:
    """The cuts of a propose-mode model as rows (lower, upper, [(column, coefficient)])."""
    pre, rows = b.pre, []
    lots = {lot.lot: lot for lot in pre.lots}
    groups: dict[tuple[str, str], list] = {}
    for (d, source, code), y in b.y.items():
        if source == PROVINCE_LOT:
            lot = lots[code]
            groups.setdefault((d, lot.product), []).append((lot.expiry, lot.doses_per_vial, y, b.x[(d, code)]))
    for (d, product), items in sorted(groups.items()):
        rate = pre.pace.get((d, product), (0.0, 0.0))[0]
        people = sum(pre.need[(d, c, k)][0] for c, k in usable_rows(pre, d, product))
        items.sort()
        sets = [[item] for item in items] + [[i for i in items if i[0] <= e] for e in sorted({i[0] for i in items})]
        seen = set()
        for group in sets:
            key = frozenset(i[2] for i in group)
            per_vial = {i[1] for i in group}
            if key in seen or len(per_vial) != 1:
                continue
            seen.add(key)
            q = float(per_vial.pop())
            most = min(rate * (max(i[0] for i in group) - pre.as_of).days, people)
            n = math.floor(most / q + 1e-9)
            r = most - q * n
            if r > EPS and q - r > EPS:
                rows.append((-INF, (q - r) * n, [(i[2], 1.0) for i in group] + [(i[3], -r) for i in group]))
    return rows


def owners(b: Built) -> np.ndarray:
    """The district (index into b.pre.districts) each column of the model belongs to: every column is one
    district's (its vials, shipments, doses used, given, unmet)."""
    where = {d: i for i, d in enumerate(b.pre.districts)}
    owner = np.full(len(b.lb), -1, dtype=np.int64)
    for columns in (b.x, b.z, b.s, b.y, b.w, b.u):
        for key, col in columns.items():
            owner[col] = where[key[0]]
    return owner


def entries(model: highspy.HighsLp) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The constraint matrix of a HiGHS model as (row, column, value) arrays, column by column, whichever way HiGHS
    holds it (row-wise after rows were added to a solved instance, column-wise otherwise)."""
    matrix = model.a_matrix_
    start = np.array(matrix.start_, dtype=np.int64)
    index = np.array(matrix.index_, dtype=np.int64)
    value = np.array(matrix.value_, dtype=np.float64)
    if matrix.format_ == highspy.MatrixFormat.kRowwise:
        rows, cols = np.repeat(np.arange(model.num_row_), np.diff(start)), index
    else:
        rows, cols = index, np.repeat(np.arange(model.num_col_), np.diff(start))
    order = np.lexsort((rows, cols))
    return rows[order], cols[order], value[order]


def lagrangian(b: Built, lp: highspy._Highs, costs: np.ndarray, seconds: float = 1.0) -> tuple[float, dict]:
    """A lower bound of min costs·x over the whole vials of the model as lp holds it (its rows: the model's, the cuts,
    the earlier stages kept), lp solved to optimality as an LP: the rows joining districts (each lot's stock, the
    earlier stages) are priced at lp's duals λ and every district's own problem is solved in whole vials,
    L(λ) = Σ_rows λ·bound + Σ_d min {(costs − Aᵀλ)·x_d : x_d in district d's own rows, whole vials} ≤ the optimum
    (weak duality: any x of the MIP is in every district's set and satisfies the joining rows). A district whose
    part of lp's solution is already in whole vials has that part as its optimum at these prices (complementary
    slackness), so only the others are solved, each with HiGHS to its proven dual bound. Returns the bound and the
    districts' solutions {district index: (columns, values)}."""
    model, solution = lp.getLp(), lp.getSolution()
    n, m = model.num_col_, model.num_row_
    index, cols, value = entries(model)  # entry k: row index[k], column cols[k]
    owner = owners(b)
    lo, hi = np.array(model.row_lower_), np.array(model.row_upper_)
    first, last = np.full(m, len(b.pre.districts)), np.full(m, -1)
    np.minimum.at(first, index, owner[cols])
    np.maximum.at(last, index, owner[cols])
    joining = first != last
    lam = np.where(joining, np.array(solution.row_dual), 0.0)
    lam = np.where((lam > 0) & np.isfinite(lo) | (lam < 0) & np.isfinite(hi), lam, 0.0)
    constant = float(np.sum(np.where(lam > 0, lam * np.where(np.isfinite(lo), lo, 0.0),
                                     lam * np.where(np.isfinite(hi), hi, 0.0))))
    priced = costs - np.bincount(cols, weights=value * lam[index], minlength=n)
    x = np.array(solution.col_value)
    integer = np.array(b.integer)
    total, found = constant, {}
    local = ~joining[index]
    order = np.argsort(index[local], kind="stable")
    l_rows, l_cols, l_vals = index[local][order], cols[local][order], value[local][order]
    row_owner = np.where(joining, -1, first)
    deadline = time.perf_counter() + seconds
    for d in range(len(b.pre.districts)):
        mine = np.flatnonzero(owner == d)
        if not len(mine):
            continue
        fractional = integer[mine] & (np.abs(x[mine] - np.round(x[mine])) > 1e-6)
        if not fractional.any() or time.perf_counter() > deadline:  # out of time: its LP value, a bound still
            total += float(priced[mine] @ x[mine])
            continue
        rows = np.flatnonzero(row_owner == d)
        part = _district(b, mine, rows, (l_rows, l_cols, l_vals), lo, hi, priced, found, d, deadline)
        total += part if np.isfinite(part) else float(priced[mine] @ x[mine])
    return total, found


def _district(b, mine, rows, local, lo, hi, priced, found, d, deadline) -> float:
    """District d's problem at the prices, in whole vials: HiGHS's proven lower bound of it (its optimum, or where
    it stops at the deadline, its dual bound); its solution into found."""
    l_rows, l_cols, l_vals = local
    h = highspy._Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(b.pre.options.threads))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-6)
    h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.01))
    position = np.full(len(b.lb), -1, dtype=np.int64)
    position[mine] = np.arange(len(mine))
    h.addVars(len(mine), np.array(b.lb, dtype=np.float64)[mine], np.array(b.ub, dtype=np.float64)[mine])
    h.changeColsCost(len(mine), np.arange(len(mine), dtype=np.int32), priced[mine])
    ints = np.flatnonzero(np.array(b.integer)[mine]).astype(np.int32)
    h.changeColsIntegrality(len(ints), ints, np.full(len(ints), highspy.HighsVarType.kInteger.value, np.uint8))
    take = np.isin(l_rows, rows)
    r, c, v = l_rows[take], position[l_cols[take]], l_vals[take]
    renum = np.searchsorted(rows, r)
    starts = np.searchsorted(renum, np.arange(len(rows))).astype(np.int32)
    h.addRows(len(rows), lo[rows], hi[rows], len(c), starts, c.astype(np.int32), v)
    h.run()
    info = h.getInfo()
    if info.primal_solution_status == 2:
        found[d] = (mine, np.array(h.getSolution().col_value))
    return float(info.mip_dual_bound)


def implied(lp: highspy._Highs, costs: np.ndarray, limit: float, margin: float = 1e-6):
    """Bounds every solution of lp's rows (and its columns' bounds) with costs·x ≤ limit satisfies: reduced-cost
    fixing, for the stages after the one costs are (lp solved to optimality as an LP on them). With lp's duals y,
    r = costs − Aᵀy and L = Σ y·(the row bound y prices) + Σ_j min(r_j lb_j, r_j ub_j) ≤ costs·x for every x of the
    rows, costs·x − L is a sum of terms ≥ 0 — r_j (x_j − lb_j) for r_j > 0, y_i (a_i x − lo_i) for y_i > 0, and
    their mirror images —, so each is at most δ = limit − L: x_j ≤ lb_j + δ/r_j, a_i x ≤ lo_i + δ/y_i. Computed from
    y and A alone, valid whatever the LP's tolerances (reduced costs below 10⁻⁹ count as 0, their most effect added
    to δ, with margin relative to L). Returns the columns' lower and upper bounds and the rows' (lp's rows)."""
    model, solution = lp.getLp(), lp.getSolution()
    n = model.num_col_
    index, cols, value = entries(model)
    lo, hi = np.array(model.row_lower_), np.array(model.row_upper_)
    lb, ub = np.array(model.col_lower_), np.array(model.col_upper_)
    y = np.array(solution.row_dual)
    y = np.where((y > 0) & np.isfinite(lo) | (y < 0) & np.isfinite(hi), y, 0.0)
    r = costs - np.bincount(cols, weights=value * y[index], minlength=n)
    small = (np.abs(r) < 1e-9) | (r > 0) & ~np.isfinite(lb) | (r < 0) & ~np.isfinite(ub)
    slack = float(np.sum(np.abs(r[small]) * np.minimum(np.maximum(np.abs(lb), np.abs(ub)), UNBOUNDED)[small]))
    r = np.where(small, 0.0, r)
    dual = float(np.sum(np.where(y > 0, y * np.where(np.isfinite(lo), lo, 0.0), y * np.where(np.isfinite(hi), hi, 0.0))))
    dual += float(np.sum(np.where(r > 0, r * np.where(np.isfinite(lb), lb, 0.0), r * np.where(np.isfinite(ub), ub, 0.0))))
    delta = limit - dual + slack + margin * max(1.0, abs(dual))
    if not np.isfinite(delta) or delta < 0:
        return lb, ub, lo, hi
    with np.errstate(divide="ignore", invalid="ignore"):
        col_hi = np.where(r > 0, np.minimum(ub, lb + delta / np.where(r > 0, r, 1.0)), ub)
        col_lo = np.where(r < 0, np.maximum(lb, ub + delta / np.where(r < 0, r, 1.0)), lb)
        row_hi = np.where(y > 0, np.minimum(hi, lo + delta / np.where(y > 0, y, 1.0)), hi)
        row_lo = np.where(y < 0, np.maximum(lo, hi + delta / np.where(y < 0, y, 1.0)), lo)
    return col_lo, col_hi, row_lo, row_hi
