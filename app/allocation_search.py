"""Exchanges between pairs of districts: a local search of the allocation MIP (app.allocation_solve), docs/allocation-
model.md "How it is solved".

With every other district's vials fixed at the best proposal so far, two districts' columns (vials, shipments, doses
used, given, unmet) form a small MIP of their own: the rows they appear in, less what the fixed columns already
contribute (each lot's stock left by the others, the earlier stages' doses and people kept). HiGHS solves it in
milliseconds, where a call on the whole province's model costs its presolve each time. A better solution of the pair
is a better proposal, every rule kept; the search goes on from it while time is left.
"""
from __future__ import annotations

import time

import highspy
import numpy as np

from app.allocation_bounds import entries, owners
from app.allocation_inputs import PROVINCE_LOT
from app.allocation_model import Built


PAIR_NODES = 20  # branch-and-bound nodes of one pair's MIP (most end at the root)
PAIR_SECONDS = 0.05  # ... and the longest it may take (most take 5-30 ms; a pair stopped there rarely had more)


class Exchanges:
    """The model as a HiGHS instance holds it (its rows: the model's, the cuts, the earlier stages kept)."""

    def __init__(self, b: Built, h: highspy._Highs, lb: np.ndarray | None = None, ub: np.ndarray | None = None):
        model = h.getLp()
        self.b, self.n = b, model.num_col_
        self.index, self.cols, self.value = entries(model)  # entry k: row index[k], column cols[k], by column
        self.start = np.searchsorted(self.cols, np.arange(self.n + 1))
        self.lo, self.hi = np.array(model.row_lower_), np.array(model.row_upper_)
        self.owner = owners(b)
        self.lb = np.array(b.lb if lb is None else lb, dtype=np.float64)
        self.ub = np.array(b.ub if ub is None else ub, dtype=np.float64)
        self.integer = np.array(b.integer)

    def activity(self, col: np.ndarray) -> np.ndarray:
        return np.bincount(self.index, weights=self.value * col[self.cols], minlength=len(self.lo))

    def improve(self, costs: np.ndarray, best: np.ndarray, seconds: float) -> np.ndarray:
        """Pairs of districts, one of them with a positive share of the stage's objective (costs ≥ 0: people
        unmet), the most first, its partners in the order of the last successful exchanges (a district with room —
        cold chain, pace, a lot left — takes the last doses of several others in turn). A pair is tried again only
        once one of its districts has changed; the search stops when every such pair has been tried since, or at the
        time limit."""
        deadline, best = time.perf_counter() + seconds, best.copy()
        tried: set[tuple[int, int]] = set()
        partners = list(range(len(self.b.pre.districts)))
        mine = self.owner >= 0
        while time.perf_counter() < deadline:
            share = np.bincount(self.owner[mine], weights=(costs * best)[mine], minlength=len(partners))
            found = None
            for d in [d for d in np.argsort(-share, kind="stable").tolist() if share[d] > 1e-6]:
                for e in partners:
                    if e == d or (min(d, e), max(d, e)) in tried:
                        continue
                    if time.perf_counter() > deadline:
                        return best
                    tried.add((min(d, e), max(d, e)))
                    found = self._pair(costs, best, d, e, deadline)
                    if found is not None:
                        break
                if found is not None:
                    break
            if found is None:
                return best
            best = found
            tried = {pair for pair in tried if d not in pair and e not in pair}
            partners.remove(e)
            partners.insert(0, e)
        return best

    def _pair(self, costs, best, d, e, deadline):
        """The two districts' MIP, the others' columns fixed at best: a solution better on costs, or None. Its
        objective is the stage's alone, and a row keeps it no worse than best's (presolve and propagation use it: the
        pairs take 5-30 ms, where the stage's objective with the next stage's weighed in took up to 100)."""
        mine = np.flatnonzero((self.owner == d) | (self.owner == e))
        if not self.integer[mine].any():  # neither district may receive anything
            return None
        entries = np.concatenate([np.arange(self.start[j], self.start[j + 1]) for j in mine])
        rows = np.unique(self.index[entries])
        inside = np.zeros(self.n, dtype=bool)
        inside[mine] = True
        fixed = self.activity(np.where(inside, 0.0, best))[rows]
        h = highspy._Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", int(self.b.pre.options.threads))
        h.setOptionValue("time_limit", max(min(deadline - time.perf_counter(), PAIR_SECONDS), 0.01))
        h.setOptionValue("mip_rel_gap", 1e-6)
        h.setOptionValue("mip_max_nodes", PAIR_NODES)
        h.addVars(len(mine), self.lb[mine], self.ub[mine])
        h.changeColsCost(len(mine), np.arange(len(mine), dtype=np.int32), costs[mine])
        ints = np.flatnonzero(self.integer[mine]).astype(np.int32)
        h.changeColsIntegrality(len(ints), ints, np.full(len(ints), highspy.HighsVarType.kInteger.value, np.uint8))
        position = np.full(self.n, -1, dtype=np.int64)
        position[mine] = np.arange(len(mine))
        renum = np.searchsorted(rows, self.index[entries])
        order = np.argsort(renum, kind="stable")
        starts = np.searchsorted(renum[order], np.arange(len(rows))).astype(np.int32)
        h.addRows(len(rows), self.lo[rows] - fixed, self.hi[rows] - fixed, len(entries), starts,
                  position[self.cols[entries]][order].astype(np.int32), self.value[entries][order])
        now = float(costs[mine] @ best[mine])
        priced = np.flatnonzero(costs[mine])
        h.addRow(-highspy.kHighsInf, now + 1e-9, len(priced), priced.astype(np.int32), costs[mine][priced])
        solution = highspy.HighsSolution()
        solution.col_value, solution.value_valid = list(best[mine]), True
        h.setSolution(solution)
        h.run()
        if h.getInfo().primal_solution_status != 2:
            return None
        found = np.array(h.getSolution().col_value)
        if costs[mine] @ found >= now - 1e-6 * max(1.0, abs(float(costs @ best))) - 1e-9:
            return None
        out = best.copy()
        out[mine] = found
        return out


class Swaps:
    """First-expiry-first-out repair (the FEFO stage, docs/allocation-model.md "How it is solved"): where a district
    receives vials of a lot while an earlier-expiring lot of the same product and vial size is left at the province
    store, it receives the earlier lot's vials instead, as many as every row of the model still allows — its pace by
    each expiry date, the cuts, each lot's stock, the earlier stages kept, the minimum shipment. First with the doses
    moving with the vials (the district administers the earlier lot's where it administered the later one's: the same
    people, and no more doses expire, a lot in the horizon never being later than one outside it), checked on the rows
    the move touches in microseconds; then, for the swaps that needs the doses used elsewhere moved in time too, on the
    linear programme of the model with every vial fixed (1-2 ms a swap), where a MIP of one district with the earlier
    stages held took 0,1-0,4 s."""

    def __init__(self, b: Built, h: highspy._Highs, lb: np.ndarray, ub: np.ndarray):
        self.search = Exchanges(b, h, lb, ub)
        self.b, self.h = b, h

    def improve(self, best: np.ndarray, seconds: float, rebalance: bool = True) -> np.ndarray:
        """best with every such swap made that the rows allow, the latest lots given back first (with rebalance,
        also those that need the doses used elsewhere moved)."""
        deadline, col, ex = time.perf_counter() + seconds, best.copy(), self.search
        state = {"activity": ex.activity(col)}

        def fast(d, later, earlier):
            after = self._swap(col, state["activity"], d, later, earlier)
            moved, state["activity"] = after is not state["activity"], after
            return moved

        if self._each(col, fast, deadline) and rebalance and time.perf_counter() < deadline:
            lp = self._relaxed()
            self._each(col, lambda d, later, earlier: self._solved(lp, col, d, later, earlier), deadline)
        return col

    def _each(self, col, step, deadline) -> bool:
        """step(district, later lot, earlier lot) on every swap to try, again while one is made; False if the deadline
        cut it short."""
        pre, b = self.b.pre, self.b
        groups: dict[tuple[str, int], list] = {}
        for lot in pre.lots:
            groups.setdefault((lot.product, lot.doses_per_vial), []).append(lot)
        for group in groups.values():
            group.sort(key=lambda lot: (lot.expiry, lot.lot))
        left = {lot.lot: lot.vials for lot in pre.lots}
        for (_, code), x in b.x.items():
            left[code] -= col[x]
        moved = True
        while moved:  # a swap can make room for another (a lot's stock, a pace row): again until none is made
            moved = False
            for d in pre.districts:
                for group in groups.values():
                    for j in range(len(group) - 1, 0, -1):
                        x = b.x.get((d, group[j].lot))
                        if x is None or col[x] < 0.5:
                            continue
                        for i in range(j):
                            if left[group[i].lot] < 0.5 or not group[i].expiry < group[j].expiry:
                                continue
                            if time.perf_counter() > deadline:
                                return False
                            sent = col[x]
                            if step(d, group[j], group[i]):
                                moved = True
                                left[group[j].lot] += sent - col[x]
                                left[group[i].lot] -= sent - col[x]
                            if col[x] < 0.5:
                                break
        return True

    def _relaxed(self) -> highspy._Highs:
        lp = highspy._Highs()
        lp.setOptionValue("output_flag", False)
        lp.setOptionValue("threads", int(self.b.pre.options.threads))
        lp.passModel(self.h.getLp())
        n = len(self.b.lb)
        lp.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.zeros(n, dtype=np.uint8))
        lp.changeColsCost(n, np.arange(n, dtype=np.int32), np.zeros(n))
        return lp

    def _solved(self, lp, col, d, later, earlier) -> bool:
        """One vial of d moved from later to earlier, every vial fixed, the doses free: made if the linear programme
        (the model's rows, the earlier stages kept) is feasible."""
        b, ex = self.b, self.search
        keys = [(d, later.lot), (d, earlier.lot)]
        if any(key not in b.x for key in keys):
            return False
        x2, x1 = b.x[keys[0]], b.x[keys[1]]
        low = b.pre.min_vials.get(d, 0)
        trial = np.round(np.where(ex.integer, col, 0.0))
        trial[x2] -= 1
        trial[x1] += 1
        if 0 < trial[x2] < low or trial[x1] < low or trial[x1] > ex.ub[x1]:
            return False
        for key, x in zip(keys, (x2, x1)):
            if key in b.z:
                trial[b.z[key]] = 1.0 if trial[x] > 0 else 0.0
        integer = np.flatnonzero(ex.integer)
        lo, hi = ex.lb.copy(), ex.ub.copy()
        lo[integer], hi[integer] = trial[integer], trial[integer]
        if np.any(trial[integer] < ex.lb[integer] - 1e-9) or np.any(trial[integer] > ex.ub[integer] + 1e-9):
            return False
        lp.changeColsBounds(len(lo), np.arange(len(lo), dtype=np.int32), lo, hi)
        lp.run()
        if lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return False
        found = np.array(lp.getSolution().col_value)
        found[integer] = trial[integer]
        col[:] = found
        return True

    def _swap(self, col, activity, d, later, earlier):
        """Moves as many vials of d from later to earlier as the rows allow (halving the number until they do)."""
        b, ex = self.b, self.search
        keys = [(d, later.lot), (d, earlier.lot)]
        uses = [(d, PROVINCE_LOT, later.lot), (d, PROVINCE_LOT, earlier.lot)]
        if any(key not in b.x for key in keys) or any(key not in b.y for key in uses):
            return activity
        x2, x1 = b.x[keys[0]], b.x[keys[1]]
        y2, y1 = b.y[uses[0]], b.y[uses[1]]
        q = later.doses_per_vial
        flags = [b.z[key] for key in keys if key in b.z]
        k = int(min(round(col[x2]), col[y2] // q, ex.ub[x1] - round(col[x1]),
                    self._room(activity, x2, x1, y2, y1, q, flags)))
        low = b.pre.min_vials.get(d, 0)
        while k >= 1:
            change = {x2: -k, x1: k, y2: -k * q, y1: k * q}
            left, now = round(col[x2]) - k, round(col[x1]) + k
            if 0 < left < low:
                k = round(col[x2]) - low  # keep the later lot's shipment at its minimum
                continue
            if now < low:
                return activity
            if keys[0] in b.z and left == 0:
                change[b.z[keys[0]]] = -col[b.z[keys[0]]]
            if keys[1] in b.z and col[b.z[keys[1]]] < 0.5:
                change[b.z[keys[1]]] = 1.0
            moved = self._fits(col, activity, change)
            if moved is not None:
                return moved
            k //= 2
        return activity

    def _room(self, activity, x2, x1, y2, y1, q, flags) -> float:
        """The most vials the rows the move touches allow, but for the shipment rows (the flags change with the
        move): per row, the room left in the direction the move pushes it, divided by what one vial moved pushes it."""
        ex = self.search
        step = self._push([x2, x1, y2, y1], [-1.0, 1.0, -q, q])
        for flag in flags:
            step[ex.index[ex.start[flag]:ex.start[flag + 1]]] = 0.0
        rows = np.flatnonzero(np.abs(step) > 1e-12)
        push, now = step[rows], activity[rows]
        room = np.where(push > 0, ex.hi[rows] - now, now - ex.lo[rows]) + 1e-6 + 1e-9 * np.abs(now)
        return float(np.min(np.floor(np.maximum(room, 0.0) / np.abs(push) + 1e-9), initial=np.inf))

    def _push(self, cols, per_column) -> np.ndarray:
        """How far each row moves when each of cols moves by its per_column amount (0 for the rows it misses)."""
        ex = self.search
        spans = [np.arange(ex.start[j], ex.start[j + 1]) for j in cols]
        at = np.concatenate(spans)
        weights = ex.value[at] * np.repeat(np.asarray(per_column, dtype=np.float64), [len(s) for s in spans])
        return np.bincount(ex.index[at], weights=weights, minlength=len(ex.lo))

    def _fits(self, col, activity, change):
        """The new activity if the change keeps every column within its bounds and every row it touches within
        its own (then applied to col), else None."""
        ex = self.search
        cols = np.array(list(change), dtype=np.int64)
        delta = np.array(list(change.values()), dtype=np.float64)
        new = col[cols] + delta
        if np.any(new < ex.lb[cols] - 1e-9) or np.any(new > ex.ub[cols] + 1e-9):
            return None
        step = self._push(cols, delta)
        touched = np.flatnonzero(step)  # a row the change leaves as it was stays within (or outside) its bounds
        before, after = activity[touched], activity[touched] + step[touched]
        lo, hi = ex.lo[touched], ex.hi[touched]
        # no row further outside its bounds than the solver's tolerance, or than it already was
        was = np.maximum(np.maximum(lo - before, before - hi), 0.0)
        now = np.maximum(lo - after, after - hi)
        if np.any(now > np.maximum(was, 1e-6 + 1e-9 * np.abs(after))):
            return None
        col[cols] = new
        activity = activity.copy()
        activity[touched] = after
        return activity
