"""First-expiry-first-out repair (app.allocation_search.Swaps) on an instance solved by hand, and on the random
instances of the property tests: it gives back a later lot's vials for an earlier lot's where every rule allows, and
never changes the doses expiring or the people served."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from test_allocation_properties import instance

from app import allocation as A
from app.allocation_model import build, model_highs
from app.allocation_search import Exchanges, Swaps
from app.allocation_solve import _add_rows, _Stages, solve_stages
from app.allocation_bounds import cuts

AS_OF = dt.date(2022, 6, 30)
PFIZER = A.Approval("Pfizer", ("18+",), (3,), 6, "Quyết định 2626/QĐ-BYT")


def one_district(pace: float, min_vials: int = 0, own: int = 0) -> A.AllocationInput:
    """District A, Pfizer (6 doses a vial), 300 people 18+ dose 3. Horizon 30 days: neither lot is at risk.
    P1 expires 29/08/2022 (60 days), P2 28/09/2022 (90 days), 100 vials each; with own, the district holds that many
    doses of its own lot O, expiring 19/08/2022 (50 days, after the horizon too)."""
    lots = pd.DataFrame([("P1", "Pfizer", dt.date(2022, 8, 29), 100), ("P2", "Pfizer", dt.date(2022, 9, 28), 100)],
                        columns=["lot", "product", "expiry", "vials"])
    districts = pd.DataFrame([("A", "Huyện A", min_vials)], columns=["district", "name", "min_vials"])
    need = pd.DataFrame([("A", "18+", 3, 300, 1)], columns=["district", "cohort", "dose", "people", "weight"])
    rate = pd.DataFrame([("A", "Pfizer", pace, 7)], columns=["district", "product", "doses_per_day", "window_days"])
    stock = pd.DataFrame([("A", "Pfizer", "O", dt.date(2022, 8, 19), own)] if own else [],
                         columns=["district", "product", "lot", "expiry", "doses"])
    return A.AllocationInput(AS_OF, lots, districts, need, rate, [PFIZER], district_stock=stock,
                             options=A.Options(horizon_days=30))


def later_lot_only(b, own: int = 0) -> np.ndarray:
    """The allocation a search could leave: the 300 doses from the own lot and vials of the later lot P2 (the last
    one opened, not emptied)."""
    col = np.zeros(len(b.lb))
    vials = -(-(300 - own) // 6)
    col[b.x[("A", "P2")]], col[b.z[("A", "P2")]] = vials, 1
    col[b.y[("A", "province", "P2")]], col[b.s[("A", "P2")]] = 300 - own, 6 * vials - (300 - own)
    if own:
        col[b.y[("A", "district", "O")]] = own
    col[b.w[("A", "Pfizer", "18+", 3)]] = 300
    return col


def repaired(inp: A.AllocationInput, own: int = 0, rebalance: bool = True) -> tuple[dict, np.ndarray, object]:
    b = build(A.prepare(inp))
    h = model_highs(b, integer=True)
    _add_rows([h], cuts(b))
    start = later_lot_only(b, own)
    stages = _Stages(b)
    for name in ("expiring", "unmet"):  # the earlier stages kept at the start's values, as in the solve
        stages.keep([h], name, stages.value(name, start))
    search = Exchanges(b, h)
    activity = search.activity(start)
    assert np.all(activity <= search.hi + 1e-9) and np.all(activity >= search.lo - 1e-9)  # a valid start
    col = Swaps(b, h, np.array(b.lb), np.array(b.ub)).improve(start, 10.0, rebalance)
    return {lot: int(round(col[b.x[("A", lot)]])) for lot in ("P1", "P2")}, col, (b, search)


def test_the_later_lots_vials_are_given_back_for_the_earlier_lots_when_the_pace_allows():
    # pace 10 a day: 600 doses by 29/08, more than the 300 people: all 50 vials can be P1's
    sent, col, (b, search) = repaired(one_district(10.0))
    assert sent == {"P1": 50, "P2": 0}
    assert col[b.z[("A", "P1")]] == 1 and col[b.z[("A", "P2")]] == 0
    assert col[b.y[("A", "province", "P1")]] == 300 and col[b.u[("A", "18+", 3)]] == 0
    activity = search.activity(col)
    assert np.all(activity <= search.hi + 1e-6) and np.all(activity >= search.lo - 1e-6)


def test_only_what_the_district_can_administer_before_the_earlier_expiry_is_swapped():
    # pace 4 a day: 4 x 60 = 240 doses by 29/08, i.e. 40 vials of P1; the other 60 doses (10 vials) stay P2,
    # administered by 28/09 (4 x 90 = 360 >= 300)
    sent, col, (b, search) = repaired(one_district(4.0))
    assert sent == {"P1": 40, "P2": 10}
    assert col[b.y[("A", "province", "P1")]] == 240 and col[b.y[("A", "province", "P2")]] == 60
    activity = search.activity(col)
    assert np.all(activity <= search.hi + 1e-6) and np.all(activity >= search.lo - 1e-6)


def test_a_swap_keeps_the_minimum_shipment_of_both_lots():
    # pace 4 a day, at least 12 vials a shipment: 40 vials of P1 would leave 10 of P2, below the minimum; the most
    # P1 can take while P2 keeps 12 is 38 (228 doses by 29/08, within 240)
    sent, _, _ = repaired(one_district(4.0, min_vials=12))
    assert sent == {"P1": 38, "P2": 12}


def test_a_swap_that_needs_the_district_s_own_lot_used_less_early_is_made_by_the_linear_programme():
    # pace 4 a day: 200 doses by 19/08, 240 by 29/08, 360 by 28/09; own lot O 100 doses (19/08), P2 34 vials (204
    # doses, 200 used). Doses moving with the vials: P1 + O <= 240 by 29/08 -> 6k + 100 <= 240, k <= 23 (P1 23, P2 11).
    # With the doses free (the last vial opened may keep up to 5 doses unused): P1 24 (144 doses, 139-144 used) and
    # P2 10 (60, all used): O + P1 used = 240 (by 29/08, full) and + 60 = 300, feasible; P1 25 (at least 145 used)
    # and P2 9 (54): O <= 240 - 145 = 95 and O >= 300 - 150 - 54 = 96, infeasible. Neither lot nor O is at risk.
    inp = one_district(4.0, own=100)
    assert repaired(inp, own=100, rebalance=False)[0] == {"P1": 23, "P2": 11}
    sent, col, (b, search) = repaired(inp, own=100)
    assert sent == {"P1": 24, "P2": 10}
    used = {lot: col[b.y[("A", "province", lot)]] for lot in ("P1", "P2")}
    assert used["P2"] == pytest.approx(60) and used["P1"] >= 139 - 1e-6
    assert col[b.y[("A", "district", "O")]] + used["P1"] == pytest.approx(240)
    assert col[b.u[("A", "18+", 3)]] == pytest.approx(0, abs=1e-4)  # the stage kept within its 10⁻⁵ tolerance
    activity = search.activity(col)
    assert np.all(activity <= search.hi + 1e-6) and np.all(activity >= search.lo - 1e-6)


@pytest.mark.parametrize("seed", [0, 2, 3, 4, 5, 6, 7, 9])  # seeds 1 and 8: no lot any district may take
def test_on_random_instances_the_repair_keeps_every_rule_and_each_stage(seed):
    """After the FEFO stage (which ends with the repair), no swap is left that the rows allow, and the solution is
    within every row of the model with the stages kept."""
    inp = instance(seed, capacity=seed % 2 == 0, products=["Pfizer", "AstraZeneca"], vials=60)
    b = build(A.prepare(inp))
    assert b.x, "the instance has a lot that can go somewhere"
    solved = solve_stages(b, ("expiring", "unmet", "fefo"))
    s = _Stages(b)
    again = Swaps(b, b.h, np.array(b.lb), np.array(b.ub)).improve(solved.col, 10.0)
    assert s.value("fefo", again) == pytest.approx(s.value("fefo", solved.col))
    search = Exchanges(b, b.h)
    activity = search.activity(solved.col)
    slack = 1e-6 + 1e-9 * np.abs(activity)
    assert np.all(activity <= search.hi + slack) and np.all(activity >= search.lo - slack)
