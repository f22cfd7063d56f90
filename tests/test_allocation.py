"""The allocation model (app/allocation*.py) on instances small enough to solve by hand: each expectation below is
computed in its comment, not read back from the solver."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from app import allocation as A

D = dt.date
AS_OF = D(2022, 6, 30)
PFIZER = A.Approval("Pfizer", ("18+", "12-17"), (1, 2, 3), 10, "Quyết định 2626/QĐ-BYT")
PAEDIATRIC = A.Approval("Pfizer 5-11", ("5-11",), (1, 2), 10, "Quyết định 1295/QĐ-BYT")
ASTRA = A.Approval("AstraZeneca", ("18+",), (1, 2, 3), 10, "Quyết định 2626/QĐ-BYT")


def frame(rows, columns):
    return pd.DataFrame(rows, columns=columns)


def case(**options) -> A.AllocationInput:
    """3 districts x 2 lots x 2 cohorts. As of 30/06/2022, horizon 90 days (to 28/09/2022).

    FK1001 Pfizer, 30 vials x 10 = 300 doses, expires 12/07/2022: 12 days left, inside the horizon.
    FK2002 Pfizer, 40 vials x 10 = 400 doses, expires 30/09/2022: 92 days left, after the horizon.
    district  pace/day  by 12/07  by 30/09  need 18+ d3 (weight 2)  need 12-17 d2 (weight 1)  population 18+ / 12-17
    A           5          60       460        200                       50                      6.000 / 2.000
    B          20         240      1840        150                      100                      3.000 / 1.000
    C          10         120       920         60                       40                      3.000 / 1.000
    """
    lots = frame([("FK1001", "Pfizer", D(2022, 7, 12), 30), ("FK2002", "Pfizer", D(2022, 9, 30), 40)],
                 ["lot", "product", "expiry", "vials"])
    districts = frame([("A", "Huyện A"), ("B", "Huyện B"), ("C", "Huyện C")], ["district", "name"])
    need = frame([("A", "18+", 3, 200, 2), ("A", "12-17", 2, 50, 1), ("B", "18+", 3, 150, 2),
                  ("B", "12-17", 2, 100, 1), ("C", "18+", 3, 60, 2), ("C", "12-17", 2, 40, 1)],
                 ["district", "cohort", "dose", "people", "weight"])
    pace = frame([("A", "Pfizer", 5, 7), ("B", "Pfizer", 20, 7), ("C", "Pfizer", 10, 7)],
                 ["district", "product", "doses_per_day", "window_days"])
    population = frame([("A", "18+", 6000), ("A", "12-17", 2000), ("B", "18+", 3000), ("B", "12-17", 1000),
                        ("C", "18+", 3000), ("C", "12-17", 1000)], ["district", "cohort", "people"])
    return A.AllocationInput(AS_OF, lots, districts, need, pace, [PFIZER], population=population,
                             options=A.Options(**options))


def vials(allocation: pd.DataFrame) -> dict:
    return {(r.district, r.lot): int(r.vials) for r in allocation.itertuples()}


def pins(*rows) -> pd.DataFrame:
    return frame(list(rows), ["district", "lot", "vials"])


def test_pro_rata_shares_each_lot_by_population_in_whole_vials_largest_remainder_first():
    # population of the approved cohorts: A 8.000, B 4.000, C 4.000 (1/2, 1/4, 1/4)
    # FK1001: 15 / 7,5 / 7,5 -> floors 15, 7, 7 (29); the 30th vial to the largest remainder, B and C tie at 0,5,
    # the district listed first (B) takes it. FK2002: 20 / 10 / 10.
    assert vials(A.pro_rata(case())) == {("A", "FK1001"): 15, ("B", "FK1001"): 8, ("C", "FK1001"): 7,
                                         ("A", "FK2002"): 20, ("B", "FK2002"): 10, ("C", "FK2002"): 10}


def test_pro_rata_lets_doses_expire_that_the_proposal_saves():
    inp = case()
    # Pro-rata, the districts using what they get as well as they can:
    #   A gets 150 doses of FK1001 but administers 60 by 12/07 (5/day x 12): 90 expire. It needs 250 in all: 60 + 190
    #     of its 200 FK2002 doses (10 left over, after the horizon: surplus, not "expiring").
    #   B uses its 80 FK1001 + 100 FK2002 = 180 of 250: 70 people short, the low-urgency 12-17 dose 2 row (weight 1).
    #   C uses its 70 FK1001 + 30 of 100 FK2002 (need 100): 70 surplus.
    base = A.evaluate(inp, A.pro_rata(inp))
    assert (base.expiring_unused, base.unmet_people, base.unmet_weighted, base.districts_short) == (90, 70, 70, 1)
    assert (base.shipments, base.surplus_districts) == (6, 80)
    short = base.need[base.need["unmet"] > 0]
    assert list(zip(short["district"], short["cohort"], short["dose"], short["unmet"])) == [("B", "12-17", 2, 70)]

    # Proposal, stage by stage:
    # 1 expiring: FK1001 can be used 60 (A) + 240 (B) + 100 (C, its whole need) = 400 >= 300: all used, 0 expire.
    # 2 unmet: need 600 <= 700 doses; A takes at most 6 FK1001 vials, the rest from FK2002: 0 unmet.
    # 3 FEFO (sum of (expiry rank + 1) x doses sent): all 30 FK1001 vials x 10 x 1 + 30 FK2002 vials (the 300 doses
    #   still needed) x 10 x 2 = 300 + 600 = 900.
    # 4 shipments: C's 100 from FK1001 alone (10 vials, 1 shipment); A can use only 60 of FK1001, so FK2002 alone
    #   (25 vials, 1); FK1001's other 20 vials to B, which needs 50 more from FK2002 (5 vials): 2 shipments. Giving C
    #   fewer FK1001 vials would make it a second shipment: 4 is the least, and this split the only one with 4.
    proposal = A.solve(inp)
    assert proposal.status == "optimal"
    assert vials(proposal.allocation) == {("A", "FK2002"): 25, ("B", "FK1001"): 20, ("B", "FK2002"): 5,
                                          ("C", "FK1001"): 10}
    assert [(s.name, round(s.objective, 6)) for s in proposal.stages] == [
        ("expiring", 0), ("unmet", 0), ("fefo", 900), ("shipments", 4)]
    mine = proposal.outcome
    assert (mine.expiring_unused, mine.unmet_people, mine.districts_short, mine.shipments) == (0, 0, 0, 4)
    kept = mine.lots.set_index("lot")["kept_province"]
    assert kept.to_dict() == {"FK1001": 0, "FK2002": 100}  # 10 FK2002 vials stay for the next allocation

    table = A.compare(inp, proposal).set_index("key")
    assert table.loc["saved", "proposal"] == 90
    assert table.loc["expiring_unused", ["pro_rata", "proposal"]].tolist() == [90, 0]
    assert table.loc["districts_short", ["pro_rata", "proposal"]].tolist() == [1, 0]
    assert table.loc["unmet_people", "label"] == "Nhu cầu chưa đáp ứng (người)"


def one_vial(**options) -> A.AllocationInput:
    """One 10-dose Pfizer vial expiring 05/07/2022 (5 days left); districts A and B each give 1 dose a day and have 100
    people on 18+ dose 3 (weight 2)."""
    lots = frame([("L1", "Pfizer", D(2022, 7, 5), 1)], ["lot", "product", "expiry", "vials"])
    districts = frame([("A", "Huyện A"), ("B", "Huyện B")], ["district", "name"])
    need = frame([("A", "18+", 3, 100, 2), ("B", "18+", 3, 100, 2)], ["district", "cohort", "dose", "people", "weight"])
    pace = frame([("A", "Pfizer", 1.0, 7), ("B", "Pfizer", 1.0, 7)], ["district", "product", "doses_per_day",
                                                                      "window_days"])
    return A.AllocationInput(AS_OF, lots, districts, need, pace, [PFIZER], options=A.Options(**options))


def test_each_stage_reports_its_gap_against_a_bound_no_allocation_can_beat():
    # The plain LP relaxation splits the vial, half to each district: 10 doses used by 05/07, 0 expire, unmet
    # 2 x 190 = 380. In whole vials one district gets it and uses 5 doses: 5 expire (the rest of the vial it opened),
    # unmet 2 x (200 - 5) = 390, FEFO 1 vial x 10 doses x rank 1 = 10, 1 shipment. The rounding cut of each district
    # (pace 1 x 5 days = 5 doses of a 10-dose vial: n = 0, r = 5, y <= 5 x) makes the relaxation's use at most
    # 5 (x_A + x_B) <= 5: its bounds are the optimum, proven without the whole MIP.
    proposal = A.solve(one_vial())
    assert [round(s.objective, 3) for s in proposal.stages] == [5, 390, 10, 1]
    for s, proven in zip(proposal.stages, [5, 390, 10, 1]):
        assert proven - 1e-4 <= s.bound <= s.objective + 1e-9  # 1e-4: the stages are kept within 1e-5 doses
        assert s.gap == pytest.approx((s.objective - s.bound) / max(s.objective, 1.0))
    assert all(s.gap <= A.Options().mip_rel_gap for s in proposal.stages)
    # the hand-made instance of case(): the LP relaxation, rounded, is already optimal (expiring 0, unmet 0, FEFO 900)
    stages = A.solve(case()).stages
    assert [(s.method, round(s.bound, 3), s.gap <= 1e-7) for s in stages[:3]] == [
        ("rounded", 0, True), ("rounded", 0, True), ("rounded", 900, True)]


def test_a_lot_never_goes_where_it_would_expire_before_the_district_uses_it():
    # A administers 60 doses by 12/07: no more than 6 FK1001 vials, whatever else it needs
    proposal = A.solve(case())
    sent = proposal.allocation
    assert sent[(sent["district"] == "A") & (sent["lot"] == "FK1001")]["vials"].sum() <= 6


def test_pinned_rows_beyond_the_lots_stock_are_infeasible_and_say_which_lot():
    # each row alone fits its district (A 50 <= 60, B 200 <= 240, C 100 <= 100); together 35 vials > 30
    proposal = A.solve(case(pinned=pins(("A", "FK1001", 5), ("B", "FK1001", 20), ("C", "FK1001", 10))))
    assert proposal.status == "infeasible"
    assert proposal.infeasible[["kind", "lot"]].values.tolist() == [["pin_stock", "FK1001"]]
    assert proposal.infeasible["text"].iloc[0] == ("Các dòng cố định của lô FK1001 (Pfizer) cộng lại 35 lọ, vượt tồn "
                                                    "kho tỉnh 30 lọ.")


def test_a_pinned_row_the_district_cannot_use_before_expiry_is_explained_with_its_pace():
    # A: 5 liều/ngày x 12 ngày = 60 doses of FK1001 at most; 10 vials = 100 doses
    proposal = A.solve(case(pinned=pins(("A", "FK1001", 10))))
    assert proposal.status == "infeasible"
    row = proposal.infeasible.iloc[0]
    assert (row.kind, row.district, row.lot) == ("pin_unusable", "A", "FK1001")
    assert row.text == ("Dòng cố định Huyện A – lô FK1001 (10 lọ) = 100 liều: Lô FK1001 (Pfizer) hết hạn 12/07/2022, "
                        "Huyện A dùng được tối đa 60 liều trước hạn (tốc độ 5,0 liều/ngày (7 ngày gần nhất) × 12 ngày; "
                        "nhu cầu 250 người thuộc nhóm được phép); không được giao lô sẽ hết hạn trước khi huyện dùng "
                        "kịp.")


def test_a_pinned_row_below_the_minimum_shipment_is_infeasible():
    inp = case(pinned=pins(("C", "FK1001", 4)))
    inp.districts["min_vials"] = [None, None, 5]
    proposal = A.solve(inp)
    assert proposal.infeasible[["kind", "district"]].values.tolist() == [["min_shipment", "C"]]
    assert "dưới mức giao tối thiểu 5 lọ của Huyện C" in proposal.infeasible["text"].iloc[0]


def test_pinned_rows_feasible_one_by_one_but_not_together_name_the_district():
    # A needs 250 people in all: 6 FK1001 vials (60) and 25 FK2002 vials (250) pass alone, not together (310)
    proposal = A.solve(case(pinned=pins(("A", "FK1001", 6), ("A", "FK2002", 25))))
    assert proposal.status == "infeasible"
    row = proposal.infeasible.iloc[0]
    assert (row.kind, row.district) == ("pins_together", "A")
    assert row.text.startswith("Các dòng cố định của Huyện A (lô FK1001 6 lọ; lô FK2002 25 lọ) cộng lại vượt")
    assert "Traceback" not in row.text and "HiGHS" not in row.text


def test_a_pinned_row_is_kept_and_the_rest_reallocated():
    # A pinned to 6 FK1001 vials (its 60 by 12/07): FK1001's 24 others to B and C, nothing expires
    proposal = A.solve(case(pinned=pins(("A", "FK1001", 6))))
    assert proposal.status == "optimal"
    assert vials(proposal.allocation)[("A", "FK1001")] == 6
    assert proposal.outcome.expiring_unused == 0
    assert "pinned" in set(proposal.explanations["kind"])


def paediatric_case() -> A.AllocationInput:
    """The paediatric formulation is only for 5-11 doses 1-2 (PAEDIATRIC).

    K5011 Pfizer 5-11: 20 vials x 10 = 200 doses, expires 20/07/2022 (20 days). AZ3001 AstraZeneca: 60 vials, 31/08.
    X: 5-11 dose 1 needs 50, 18+ dose 3 needs 300; pace 10/day of each product. Y: 18+ dose 3 needs 300 only,
    pace 20/day of each product (400 doses of the paediatric product before its expiry, had it been allowed).
    """
    lots = frame([("K5011", "Pfizer 5-11", D(2022, 7, 20), 20), ("AZ3001", "AstraZeneca", D(2022, 8, 31), 60)],
                 ["lot", "product", "expiry", "vials"])
    districts = frame([("X", "Huyện X"), ("Y", "Huyện Y")], ["district", "name"])
    need = frame([("X", "5-11", 1, 50, 1), ("X", "18+", 3, 300, 1), ("Y", "18+", 3, 300, 1)],
                 ["district", "cohort", "dose", "people", "weight"])
    pace = frame([(d, p, r, 7) for d, r in (("X", 10), ("Y", 20)) for p in ("Pfizer 5-11", "AstraZeneca")],
                 ["district", "product", "doses_per_day", "window_days"])
    return A.AllocationInput(AS_OF, lots, districts, need, pace, [PAEDIATRIC, ASTRA])


def test_the_paediatric_approval_binds_and_says_so():
    # K5011 serves only X's 50 children: 5 vials; 150 doses expire although Y could administer 400 before 20/07.
    # AstraZeneca covers 18+ dose 3: 600 doses = 60 vials, 30 each.
    proposal = A.solve(paediatric_case())
    assert vials(proposal.allocation) == {("X", "K5011"): 5, ("X", "AZ3001"): 30, ("Y", "AZ3001"): 30}
    assert proposal.outcome.expiring_unused == 150
    usage = proposal.outcome.usage
    assert set(usage[usage["lot"] == "K5011"]["cohort"]) == {"5-11"}
    text = proposal.explanations.set_index(["kind", "district"])["text"]
    assert text[("approval", "Y")] == ("Lô K5011 (Pfizer 5-11) hết hạn 20/07/2022: Huyện Y còn nhu cầu 18+ mũi 3 nhưng "
                                       "Pfizer 5-11 chỉ được dùng cho nhóm 5–11, mũi 1, 2 (theo Quyết định "
                                       "1295/QĐ-BYT).")
    assert text[("need_met", "X")].endswith("Huyện X đã đủ liều cho nhu cầu 5–11 mũi 1.")
    assert text[("lot_expiring", "")] == ("Lô K5011 (Pfizer 5-11) hết hạn 20/07/2022: 150 liều sẽ hết hạn chưa dùng "
                                          "(còn ở kho tỉnh 150 liều).")


def test_the_paediatric_approval_blocks_a_cohort_in_need():
    # no AstraZeneca: 18+ dose 3 is short everywhere, and K5011's 150 doses left cannot serve it
    inp = paediatric_case()
    inp.lots = inp.lots[inp.lots["lot"] == "K5011"]
    proposal = A.solve(inp)
    assert proposal.outcome.unmet_people == 600 and proposal.outcome.districts_short == 2
    row = proposal.explanations[proposal.explanations["kind"] == "approval_binds"].iloc[0]
    assert row.text.endswith("không dùng cho nhu cầu 18+ mũi 3 còn thiếu ở Huyện X, Huyện Y.")
    short = proposal.explanations[proposal.explanations["kind"] == "district_short"]["text"].tolist()
    assert short[0] == ("Huyện X còn thiếu 300 người (18+ mũi 3: 300): 18+ mũi 3: kho tỉnh hết vắc xin được phép "
                        "(AstraZeneca).")


def two_lots(expiry_early: dt.date, expiry_late: dt.date, people: int, **options) -> A.AllocationInput:
    """One district, one product, two lots of 10 vials x 10 doses, pace 50/day."""
    lots = frame([("LATE", "Pfizer", expiry_late, 10), ("EARLY", "Pfizer", expiry_early, 10)],
                 ["lot", "product", "expiry", "vials"])
    return A.AllocationInput(AS_OF, lots, frame([("A", "Huyện A")], ["district", "name"]),
                             frame([("A", "18+", 3, people, 1)], ["district", "cohort", "dose", "people", "weight"]),
                             frame([("A", "Pfizer", 50, 7)], ["district", "product", "doses_per_day", "window_days"]),
                             [PFIZER], options=A.Options(**options))


def test_lots_leave_first_expiry_first_out_even_when_neither_is_at_risk():
    # both expire after the 90-day horizon, 80 people: 8 vials of the earlier lot, none of the later
    proposal = A.solve(two_lots(D(2022, 11, 30), D(2022, 12, 31), 80))
    assert vials(proposal.allocation) == {("A", "EARLY"): 8}
    assert proposal.outcome.expiring_unused == 0


def test_lots_leave_first_expiry_first_out_when_the_earlier_is_at_risk():
    # EARLY expires 10/07 (10 days x 50 = 500 doses could be used): 100 doses, all sent; LATE covers the other 50
    proposal = A.solve(two_lots(D(2022, 7, 10), D(2022, 12, 31), 150))
    assert vials(proposal.allocation) == {("A", "EARLY"): 10, ("A", "LATE"): 5}


def test_vials_are_never_split_and_the_last_vial_opened_counts_as_expiring():
    # 95 people, EARLY (in the horizon) of 10-dose vials: 10 vials sent, 95 administered, 5 doses of the last vial
    # expire at the district (and 0 at the province store: all 100 doses left it)
    proposal = A.solve(two_lots(D(2022, 7, 10), D(2022, 12, 31), 95))
    assert vials(proposal.allocation) == {("A", "EARLY"): 10}
    assert proposal.allocation["doses"].tolist() == [100]
    lot = proposal.outcome.lots.set_index("lot").loc["EARLY"]
    assert (lot.administered, lot.left_province, lot.left_districts, lot.expiring_unused) == (95, 0, 5, 5)


def test_expiring_unused_counts_lots_in_the_horizon_and_keeps_the_others():
    # nobody to vaccinate: EARLY (10/07, in the horizon) expires whole at the province store; LATE is kept
    outcome = A.evaluate(two_lots(D(2022, 7, 10), D(2022, 12, 31), 0), pd.DataFrame(columns=A.ALLOCATION_COLUMNS))
    lots = outcome.lots.set_index("lot")
    assert lots.loc["EARLY", "expiring_unused"] == 100 and lots.loc["LATE", "expiring_unused"] == 0
    assert lots.loc["LATE", "kept_province"] == 100 and outcome.expiring_unused == 100
    # a horizon of 200 days takes LATE in: all 200 doses expire unused
    inp = two_lots(D(2022, 7, 10), D(2022, 12, 31), 0, horizon_days=200)
    assert A.evaluate(inp, pd.DataFrame(columns=A.ALLOCATION_COLUMNS)).expiring_unused == 200


def test_the_districts_own_stock_is_used_first_and_takes_its_pace():
    # A already holds 100 doses of OWN1 expiring 05/07 (5 days x 50/day = 250 by then); EARLY expires 10/07 (500 by
    # then). 150 people: own 100 first, then 5 vials of EARLY; nothing of OWN1 expires
    inp = two_lots(D(2022, 7, 10), D(2022, 12, 31), 150)
    inp.district_stock = frame([("A", "Pfizer", "OWN1", D(2022, 7, 5), 100)],
                               ["district", "product", "lot", "expiry", "doses"])
    proposal = A.solve(inp)
    assert vials(proposal.allocation) == {("A", "EARLY"): 5}
    assert proposal.outcome.own["administered"].tolist() == [100]
    assert proposal.outcome.expiring_own == 0 and proposal.outcome.expiring_province == 50


def test_cold_chain_capacity_is_never_exceeded_and_binds_in_words():
    # B may hold 150 doses, C 100 (both include nothing of their own): FK1001's 300 then need A's 60 and B's 150:
    # 60 + 150 + 100 = 310 >= 300, still nothing expires, but B is short
    inp = case()
    inp.districts["capacity_doses"] = [None, 150, 100]
    proposal = A.solve(inp)
    sent = proposal.allocation.groupby("district")["doses"].sum()
    assert sent["B"] <= 150 and sent["C"] <= 100
    assert proposal.outcome.expiring_unused == 0
    text = proposal.explanations.set_index(["kind", "district"])["text"]
    assert text[("capacity", "B")] == ("Huyện B: dùng hết sức chứa dây chuyền lạnh 150 liều (kể cả 0 liều tồn kho "
                                       "huyện).")


def test_excluded_districts_and_lots_get_nothing_in_either_allocation():
    inp = case(excluded_districts=("C",), excluded_lots=("FK2002",))
    proposal, split = A.solve(inp), A.pro_rata(inp)
    for allocation in (proposal.allocation, split):
        assert "C" not in set(allocation["district"]) and "FK2002" not in set(allocation["lot"])
    # FK1001 to A (60) and B (240): exactly its 300 doses, nothing expires
    assert vials(proposal.allocation) == {("A", "FK1001"): 6, ("B", "FK1001"): 24}


def test_a_lot_expiring_unused_is_explained_by_each_districts_pace():
    # 1 day of pace left before 01/07 for a 300-dose lot: A 5, B 20, C 10 doses: 35 used, 265 expire
    inp = case()
    inp.lots = frame([("FK0107", "Pfizer", D(2022, 7, 1), 30)], ["lot", "product", "expiry", "vials"])
    proposal = A.solve(inp)
    assert proposal.outcome.expiring_unused == pytest.approx(265 + 0)
    text = proposal.explanations.set_index(["kind", "district"])["text"]
    assert text[("pace", "B")] == ("Lô FK0107 (Pfizer) hết hạn 01/07/2022: Huyện B không kịp dùng với tốc độ "
                                   "20,0 liều/ngày (7 ngày gần nhất): tối đa 20 liều Pfizer đến 01/07/2022.")
    assert text[("lot_expiring", "")].startswith("Lô FK0107 (Pfizer) hết hạn 01/07/2022: 265 liều sẽ hết hạn")


@pytest.mark.parametrize("path", sorted(Path(__file__).resolve().parent.parent.glob("app/allocation*.py"))
                         + sorted(Path(__file__).resolve().parent.glob("test_allocation*.py")), ids=lambda p: p.name)
def test_allocation_modules_stay_small(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400
