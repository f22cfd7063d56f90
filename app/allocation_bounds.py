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

from app.allocation_inputs import PROVINCE_LOT
from app.allocation_model import INF, Built, usable_rows

EPS = 1e-6


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
