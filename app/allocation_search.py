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


class Exchanges:
    """The model as a HiGHS instance holds it (its rows: the model's, the cuts, the earlier stages kept)."""

    def __init__(self, b: Built, h: highspy._Highs):
        model = h.getLp()
        self.b, self.n = b, model.num_col_
        self.index, self.cols, self.value = entries(model)  # entry k: row index[k], column cols[k], by column
        self.start = np.searchsorted(self.cols, np.arange(self.n + 1))
        self.lo, self.hi = np.array(model.row_lower_), np.array(model.row_upper_)
        self.owner = owners(b)
        self.lb, self.ub = np.array(b.lb, dtype=np.float64), np.array(b.ub, dtype=np.float64)
        self.integer = np.array(b.integer)

    def activity(self, col: np.ndarray) -> np.ndarray:
        return np.bincount(self.index, weights=self.value * col[self.cols], minlength=len(self.lo))

    def improve(self, weights: np.ndarray, best: np.ndarray, first: list[int], seconds: float) -> np.ndarray:
        """Pairs (d, e) for d in first (in that order), e any other district, while one improves and time is left."""
        deadline, best = time.perf_counter() + seconds, best.copy()
        tried: set[tuple[int, int]] = set()
        districts = range(len(self.b.pre.districts))
        improved = True
        while improved and time.perf_counter() < deadline:
            improved = False
            for d in first:
                for e in districts:
                    if e == d or (d, e) in tried or time.perf_counter() > deadline:
                        continue
                    tried.add((d, e))
                    found = self._pair(weights, best, d, e, deadline)
                    if found is not None:
                        best, improved = found, True
                        tried.clear()
                        break
                if improved:
                    break
        return best

    def _pair(self, weights, best, d, e, deadline):
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
        h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.01))
        h.setOptionValue("mip_rel_gap", 1e-6)
        h.setOptionValue("mip_max_nodes", PAIR_NODES)
        h.addVars(len(mine), self.lb[mine], self.ub[mine])
        h.changeColsCost(len(mine), np.arange(len(mine), dtype=np.int32), weights[mine])
        ints = np.flatnonzero(self.integer[mine]).astype(np.int32)
        h.changeColsIntegrality(len(ints), ints, np.full(len(ints), highspy.HighsVarType.kInteger.value, np.uint8))
        position = np.full(self.n, -1, dtype=np.int64)
        position[mine] = np.arange(len(mine))
        renum = np.searchsorted(rows, self.index[entries])
        order = np.argsort(renum, kind="stable")
        starts = np.searchsorted(renum[order], np.arange(len(rows))).astype(np.int32)
        h.addRows(len(rows), self.lo[rows] - fixed, self.hi[rows] - fixed, len(entries), starts,
                  position[self.cols[entries]][order].astype(np.int32), self.value[entries][order])
        solution = highspy.HighsSolution()
        solution.col_value, solution.value_valid = list(best[mine]), True
        h.setSolution(solution)
        h.run()
        if h.getInfo().primal_solution_status != 2:
            return None
        found = np.array(h.getSolution().col_value)
        if weights[mine] @ found >= weights[mine] @ best[mine] - 1e-6 * max(1.0, abs(weights @ best)) - 1e-9:
            return None
        out = best.copy()
        out[mine] = found
        return out
