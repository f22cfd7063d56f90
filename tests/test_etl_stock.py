"""marts.stock_by_lot, marts.stock_by_store, marts.stock_count_flags and the stock data checks on a hand-made ledger of
Vĩnh Phúc (26) whose every figure is computed by hand. The ledger's last date is 14/03/2022.

Pfizer:
- Thành phố Vĩnh Yên (243) administers 70 a day from 08/03 to 14/03 (trailing 7-day pace 490 ÷ 7 = 70), from lot FKA
  (1.000 received 01/03, expires 20/03); on 14/03 it discards 10 of FKA (open vials): FKA 1.000 − 490 − 10 = 500 left.
  It also holds FKB (800, expires 30/03) and held FKE (50, expired 05/03 and destroyed that day). On 10/03 its count
  of FKA reads 999 where the running balance is 1.000 − 3 × 70 = 790.
- Huyện Tam Đảo (248) receives 210 of FKC (expires 31/12) on 08/03 and administers 30 a day to 14/03 (pace 30):
  nothing left. On 12/03 its count reads −30 where the running balance is 210 − 5 × 30 = 60.
- Thành phố Phúc Yên (244) receives 100 of FKD (expires 31/12) on 08/03 and has never administered Pfizer.
- The province store (26) holds FKP1 (500, expires 24/03: 10 days) and FKP2 (2.000, expires 13/04: 30 days).
Vero Cell: the province store holds VC1 (1.000, expires 31/12); no district has ever administered Vero Cell.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from builders import flagged, headers, run_and_open, write_csv

from etl import contracts as C
from etl.settings import load_settings

D = dt.date(2022, 3, 14)
VINH_YEN, PHUC_YEN, TAM_DAO = "243", "244", "248"


def _days(first: int, last: int) -> list[str]:
    return [f"{d:02d}/03/2022" for d in range(first, last + 1)]


def stock_rows() -> list[list[object]]:
    """[store, date, product, lot, expiry, received, issued, administered, wasted, on hand]"""
    rows = [["Tỉnh", "01/03/2022", "Pfizer", "FKP1", "24/03/2022", 500, 0, 0, 0, 500],
            ["Tỉnh", "01/03/2022", "Pfizer", "FKP2", "13/04/2022", 2000, 0, 0, 0, 2000],
            ["Tỉnh", "01/03/2022", "Vero Cell", "VC1", "31/12/2022", 1000, 0, 0, 0, 1000],
            [VINH_YEN, "01/03/2022", "Pfizer", "FKA", "20/03/2022", 1000, 0, 0, 0, 1000],
            [VINH_YEN, "01/03/2022", "Pfizer", "FKB", "30/03/2022", 800, 0, 0, 0, 800],
            [VINH_YEN, "01/03/2022", "Pfizer", "FKE", "05/03/2022", 50, 0, 0, 0, 50],
            [VINH_YEN, "05/03/2022", "Pfizer", "FKE", "05/03/2022", 0, 0, 0, 50, 0],
            [PHUC_YEN, "08/03/2022", "Pfizer", "FKD", "31/12/2022", 100, 0, 0, 0, 100]]
    balance = 1000
    for day in _days(8, 14):
        balance -= 70 + (10 if day == "14/03/2022" else 0)
        rows.append([VINH_YEN, day, "Pfizer", "FKA", "20/03/2022", 0, 0, 70, 10 if day == "14/03/2022" else 0,
                     999 if day == "10/03/2022" else balance])
    balance = 210
    for day in _days(8, 14):
        balance -= 30
        rows.append([TAM_DAO, day, "Pfizer", "FKC", "31/12/2022", 210 if day == "08/03/2022" else 0, 0, 30, 0,
                     -30 if day == "12/03/2022" else balance])
    return rows


def write_stock_inbox(inbox) -> None:
    write_csv(inbox / "stock/so_vac_xin.csv", headers(C.STOCK), stock_rows(), when=dt.datetime(2022, 3, 14, 18, 0))


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    settings = load_settings(tmp_path_factory.mktemp("stock") / "data", province="26")
    write_stock_inbox(settings.inbox)
    with run_and_open(settings) as c:
        yield c


def lots(con, day: dt.date = D) -> dict:
    rows = con.execute("SELECT store_code, lot, on_hand, days_to_expiry, served_7d_avg_administered, pace_status, "
                       "days_of_stock, doses_at_risk FROM marts.stock_by_lot WHERE ledger_date = ?", [day]).fetchall()
    return {(r[0], r[1]): r[2:] for r in rows}


def test_a_district_uses_its_own_lots_first_expiry_first_out_at_its_trailing_7_day_pace(con):
    got = lots(con)
    # FKA: 500 doses, 6 days × 70 = 420 used before 20/03, 80 expire. FKB: 800 doses, 16 days × 70 = 1.120 of pace
    # by 30/03, of which 420 went to FKA: 700 used, 100 expire (counting FKA's 500 as if all used would say 190).
    assert got[(VINH_YEN, "FKA")] == (500, 6, 70.0, "active", 7.1, 80)  # 500 ÷ 70 = 7,14 days
    assert got[(VINH_YEN, "FKB")] == (800, 16, 70.0, "active", 11.4, 100)
    assert got[(VINH_YEN, "FKE")][:2] == (0, -9)  # expired and destroyed: nothing left to risk
    assert got[(TAM_DAO, "FKC")] == (0, 292, 30.0, "active", 0.0, 0)


def test_the_province_store_serves_what_the_districts_can_still_use_after_their_own_stock(con):
    got = lots(con)
    # Before FKP1's expiry (10 days): Tam Đảo 10 × 30 = 300; Vĩnh Yên none (its own stock keeps it busy: 700 − 500
    # − 800 + 80 < 0); Phúc Yên has no pace. 300 of FKP1's 500 are used, 200 expire.
    assert got[("26", "FKP1")] == (500, 10, 100.0, "active", 5.0, 200)  # 500 ÷ (70 + 30) = 5,0 days
    # Before FKP2's expiry (30 days): Tam Đảo 900; Vĩnh Yên 30 × 70 − 1.300 own + 180 of its own that expire = 980;
    # 1.880 in all, 300 of them taken by FKP1: 1.580 of FKP2's 2.000 used, 420 expire.
    assert got[("26", "FKP2")] == (2000, 30, 100.0, "active", 20.0, 420)


def test_a_store_without_administration_history_says_so_instead_of_a_pace_of_0(con):
    got = lots(con)
    # Phúc Yên never administered Pfizer; no district ever administered Vero Cell: no pace, no days of stock, and no
    # dose projected to be used
    assert got[(PHUC_YEN, "FKD")] == (100, 292, None, "no_history", None, 100)
    assert got[("26", "VC1")] == (1000, 292, None, "no_history", None, 1000)


def test_days_of_stock_and_wastage_per_store_and_product(con):
    rows = con.execute("SELECT store_code, product, on_hand, served_7d_avg_administered, pace_status, days_of_stock, "
                       "doses_at_risk, administered_to_date, wasted_to_date, wasted_expired_to_date, wastage_rate_pct "
                       "FROM marts.stock_by_store WHERE ledger_date = ?", [D]).fetchall()
    got = {(r[0], r[1]): r[2:] for r in rows}
    # Vĩnh Yên: 1.300 ÷ 70 = 18,57 days; discarded 10 (open vials) + 50 (FKE, expired) of 490 + 60 used = 10,91%
    assert got[(VINH_YEN, "Pfizer")] == (1300, 70.0, "active", 18.6, 180, 490, 60, 50, 10.91)
    assert got[(TAM_DAO, "Pfizer")] == (0, 30.0, "active", 0.0, 0, 210, 0, 0, 0.0)
    assert got[(PHUC_YEN, "Pfizer")] == (100, None, "no_history", None, 100, 0, 0, 0, None)
    # the province store: 2.500 ÷ (70 + 30) = 25,0 days; it administers and discards nothing (no rate)
    assert got[("26", "Pfizer")] == (2500, 100.0, "active", 25.0, 620, 0, 0, 0, None)
    assert got[("26", "Vero Cell")] == (1000, None, "no_history", None, 1000, 0, 0, 0, None)
    # the province, every store: 80 + 100 + 100 + 200 + 420 = 900 Pfizer doses at risk of 3.900; wastage 60 of 700 +
    # 60 used = 7,89%
    total = con.execute("SELECT sum(on_hand), sum(doses_at_risk), marts.wastage_rate_pct(sum(wasted_to_date), "
                        "sum(administered_to_date)) FROM marts.stock_by_store WHERE ledger_date = ? "
                        "AND product = 'Pfizer'", [D]).fetchone()
    assert total == (3900, 900, 7.89)


def test_a_count_that_disagrees_with_the_running_balance_is_flagged_with_both_figures(con):
    rows = con.execute("SELECT ledger_date, store_code, lot, counted, closing_balance, count_minus_balance, negative "
                       "FROM marts.stock_count_flags ORDER BY ledger_date").fetchall()
    assert rows == [(dt.date(2022, 3, 10), VINH_YEN, "FKA", 999, 790, 209, False),
                    (dt.date(2022, 3, 12), TAM_DAO, "FKC", -30, 60, -90, True)]
    assert flagged(con, "stock_count_vs_balance") == [
        (VINH_YEN, dt.date(2022, 3, 10), "Pfizer lô FKA: tồn 999, số dư sổ sách 790 (lệch 209)")]
    assert flagged(con, "negative_stock") == [(TAM_DAO, dt.date(2022, 3, 12), "Pfizer lô FKC: tồn -30, số dư sổ sách 60")]
    severity = dict(con.execute("SELECT check_id, severity FROM checks.summary WHERE check_id LIKE '%stock%'").fetchall())
    assert severity == {"negative_stock": "error", "stock_count_vs_balance": "warning"}


def test_a_negative_count_is_not_taken_for_0_doses(con):
    # 12/03 at Tam Đảo: the count says −30, the ledger 60; the 5 days to 12/03 gave 150 (÷ 7 = 21,43 a day)
    on_hand, counted, balance, disagrees, days = con.execute(
        "SELECT on_hand, counted_on_hand, closing_balance, count_disagrees, days_of_stock FROM marts.stock_by_lot "
        "WHERE ledger_date = '2022-03-12' AND lot = 'FKC'").fetchone()
    assert (on_hand, counted, balance, disagrees, days) == (60, -30, 60, True, 2.8)
    # the count that is not negative is taken as it is, and said to disagree
    assert con.execute("SELECT on_hand, count_disagrees FROM marts.stock_by_lot WHERE ledger_date = '2022-03-10' "
                       "AND lot = 'FKA'").fetchone() == (999, True)
    assert con.execute("SELECT on_hand, count_disagrees FROM marts.stock_by_lot WHERE ledger_date = '2022-03-11' "
                       "AND lot = 'FKA'").fetchone() == (720, False)


def test_the_demo_ends_with_a_lot_a_split_by_population_lets_expire_and_the_proposal_does_not(demo_build):
    """etl/demo_stock.py: on 30/06/2022 the province store holds the AstraZeneca left of its February lot (about 12.400
    doses, expiring 09/08) and the evening's donated Pfizer lot (12.000, expiring 05/08). Shared by the population of
    the approved cohorts, some go to districts that have vaccinated most of their people and expire there; the
    allocation by need and pace (app.allocation) uses them all. The stock page projects none of them to expire: at the
    districts' pace, after their own stock, the province's districts together can use them in time."""
    from app import allocation as A
    from app import allocation_data as AD
    from app import queries as q
    from etl import snapshots as S

    snapshot = str(S.current_snapshot(load_settings(demo_build[1], province="26")))
    scope, day = q.all_districts(snapshot), dt.date(2022, 6, 30)
    province, _ = AD.province(snapshot, scope)
    names = tuple((r.district_code, r.district_name) for r in q.districts(snapshot, scope).itertuples())
    chosen = AD.Settings(tuple(sorted(AD.targets(snapshot, scope, day)["target_id"])))
    plan = AD.plan(snapshot, scope, day, province, names, chosen)
    split = A.evaluate(A.prepare(plan.inputs), plan.split).lots.set_index("lot")["expiring_unused"]
    proposal = plan.proposal.outcome.lots.set_index("lot")["expiring_unused"]
    saved = {lot: round(split[lot]) for lot in split.index if split[lot] >= 1000 and proposal[lot] < 1}
    assert saved, (split.to_dict(), proposal.to_dict())
    with duckdb.connect(snapshot, read_only=True) as con:
        at_store = con.execute("SELECT lot, product, on_hand, days_to_expiry, doses_at_risk FROM marts.stock_by_lot "
                               "WHERE ledger_date = ? AND store_level = 'province' AND lot IN (SELECT unnest(?))",
                               [day, list(saved)]).fetchall()
    assert at_store and all(21 <= days <= 42 and risk == 0 for _, _, _, days, risk in at_store), at_store
