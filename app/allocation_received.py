"""What the districts received against what an allocation decision gave them (issue 13: "later nights compare each
district's received doses per lot in the stock ledger with the decision").

Received: the doses a district's store recorded as received (Nhập) of a lot of the decision in the stock ledger
(marts.stock_by_lot), on ledger dates after the decision's as-of date (its stock was counted on that date) up to the
date viewed, read from the snapshot viewed (a later night's, not the one the decision was solved on). One row per
district × lot the decision gave or a district in scope received: decided and received doses, the difference
(received − decided) and a status in words.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from app.memo import cached
from app.queries import Scope, _query
from app.state_decisions import Decision

STATUS = {"full": "đã nhận đủ", "short": "nhận thiếu", "over": "nhận thừa", "none": "chưa nhận"}
COLUMNS = ["district", "district_name", "product", "lot", "expiry", "decided_doses", "received_doses", "difference",
           "status_code", "status", "first_received", "last_received"]


@cached
def received(snapshot: str, scope: Scope, after: dt.date, as_of: dt.date, lots: tuple[str, ...]) -> pd.DataFrame:
    """district, district_name, product, lot, received_doses, first_received, last_received (app/sql/
    decision_received.sql): receipts of `lots` at the district stores in scope, after `after` up to `as_of`."""
    return _query(snapshot, "decision_received", scope=scope, after=after, as_of=as_of, lots=lots)


def status_of(decided: float, got: float) -> str:
    """full when the district received exactly the doses decided, short when some but fewer, over when more (or a lot
    it was not given), none when nothing yet."""
    if got == decided:
        return "full"
    if got == 0:
        return "none"
    return "short" if got < decided else "over"


def received_vs_decision(snapshot: str, scope: Scope, decision: Decision, as_of: dt.date) -> pd.DataFrame:
    """COLUMNS, by district then expiry and lot: the decision's rows of the districts in scope against what their
    stores received of those lots after the decision's as-of date up to `as_of`; before or on the decision's date
    nothing is received yet (every row "chưa nhận")."""
    rows = decision.rows
    decided = rows[rows["district"].isin(scope)]
    lots = tuple(sorted(rows["lot"].astype(str).unique()))
    got = (received(snapshot, tuple(scope), decision.as_of, as_of, lots) if lots and as_of > decision.as_of
           else pd.DataFrame(columns=["district", "district_name", "product", "lot", "received_doses",
                                      "first_received", "last_received"]))
    both = decided[["district", "district_name", "product", "lot", "expiry", "doses"]].merge(
        got.astype({"district": str, "lot": str}), on=["district", "lot"], how="outer", suffixes=("", "_got"))
    expiry = dict(zip(rows["lot"], rows["expiry"], strict=False))
    both = both.assign(district_name=both["district_name"].fillna(both["district_name_got"]),
                       product=both["product"].fillna(both["product_got"]),
                       expiry=[expiry.get(lot) for lot in both["lot"]],
                       decided_doses=both["doses"].fillna(0).astype("int64"),
                       received_doses=both["received_doses"].fillna(0).astype("int64"))
    both = both.assign(difference=both["received_doses"] - both["decided_doses"],
                       status_code=[status_of(d, g) for d, g in zip(both["decided_doses"], both["received_doses"],
                                                                     strict=True)])
    both = both.assign(status=both["status_code"].map(STATUS))
    return both[COLUMNS].sort_values(["district", "expiry", "lot"]).reset_index(drop=True)
