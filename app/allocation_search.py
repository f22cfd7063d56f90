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
