"""Allocation decisions (issue 13, "Decision"): saved into the state database with their audit entry, listed and
reopened, the planner's edits against the proposal, only by Sở Y tế / CDC and administrators; the cohort text of a
lot from the solver's usage; the snapshot pinned so that retention keeps it; what the districts received against the
decision, on a hand-made warehouse; and a solve that prints nothing. Every expected figure is computed by hand."""
from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from argon2 import PasswordHasher
from builders import DAO_TRU, LIEN_BAO, TICH_SON, headers, population_csv, write_csv
from conftest_app import TAM_DAO, VINH_YEN, build

from app import allocation_annex as X
from app import allocation_received as R
from app import queries as q
from app.state import DECISION_WRITERS, State, decision_write_allowed
from app.state_decisions import ROW_COLUMNS, cohort_text, decision_rows
from etl import contracts as C
from etl import snapshots as S
from etl.settings import load_settings

pytest_plugins = ["conftest_app"]

PROJECT = Path(__file__).resolve().parent.parent
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
SAVED_AT = dt.datetime(2022, 3, 10, 16, 30)
PFIZER = "Pfizer"


class Clock:
    def __init__(self):
        self.now = SAVED_AT

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def db(tmp_path) -> State:
    state = State(tmp_path / "state" / "state.sqlite3", clock=Clock(), hasher=FAST)
    for login, name, role, district in (("cdc", "Trần Thị Bình", "health", None), ("qt", "Lê Quản Trị", "admin", None),
                                        ("bcd", "Phạm Văn Chỉ", "committee", None),
                                        ("tamdao", "Huyện Tam Đảo", "district", TAM_DAO)):
        state.create_account(login, name, role, district, password="mat-khau-rat-dai-2022", chosen=True)
    return state


def allocation(rows) -> pd.DataFrame:
    """rows: (district, name, lot, expiry, vials), Pfizer in vials of 6, as app.allocation's ALLOCATION_COLUMNS."""
    return pd.DataFrame([(d, n, lot, PFIZER, e, 6, v, 6 * v) for d, n, lot, e, v in rows],
                        columns=["district", "name", "lot", "product", "expiry", "doses_per_vial", "vials", "doses"])


# The proposal: Vĩnh Yên 100 vials of P1 (600 doses), 50 of P2 (300); Tam Đảo 20 of P1 (120), 10 of P3 (60).
PROPOSAL = allocation([(VINH_YEN, "Thành phố Vĩnh Yên", "P1", dt.date(2022, 12, 31), 100),
                       (VINH_YEN, "Thành phố Vĩnh Yên", "P2", dt.date(2022, 6, 30), 50),
                       (TAM_DAO, "Huyện Tam Đảo", "P1", dt.date(2022, 12, 31), 20),
                       (TAM_DAO, "Huyện Tam Đảo", "P3", dt.date(2022, 9, 30), 10)])
USAGE = pd.DataFrame([(VINH_YEN, "province", "P1", "18+", 3, 580.0), (VINH_YEN, "province", "P1", "12-17", 2, 20.0),
                      (VINH_YEN, "province", "P2", "18+", 2, 120.0), (VINH_YEN, "province", "P2", "18+", 3, 180.0),
                      (TAM_DAO, "province", "P1", "5-11", 1, 0.2),  # below half a dose: not a cohort it serves
                      (TAM_DAO, "province", "P1", "12-17", 1, 120.0), (TAM_DAO, "district", "T1", "18+", 3, 86.0)],
                     columns=["district", "source", "lot", "cohort", "dose", "doses"])


def saved_rows() -> pd.DataFrame:
    """The planner's edit: Tam Đảo's P3 raised from 10 to 12 vials, Vĩnh Yên's P2 row removed (0 vials)."""
    rows = decision_rows(PROPOSAL, USAGE)
    rows.loc[(rows["district"] == TAM_DAO) & (rows["lot"] == "P3"), "vials"] = 12
    rows.loc[(rows["district"] == VINH_YEN) & (rows["lot"] == "P2"), "vials"] = 0
    return rows


def save(db: State, login: str = "cdc", rows: pd.DataFrame | None = None, **changes) -> int:
    args = dict(login=login, address="10.0.0.7", province_code="26", snapshot="/du/lieu/2022-03-10T220000_0.duckdb",
                as_of=dt.date(2022, 3, 10), settings_json={"targets": ["mui3_50"], "need_mode": "by_deadline",
                                                           "excluded_lots": [], "pinned": [[TAM_DAO, "P3", 12]]},
                proposal=decision_rows(PROPOSAL, USAGE), rows=saved_rows() if rows is None else rows,
                summary={"expiring_unused": {"pro_rata": 42.0, "proposal": 0.0}, "unmet_people": 7564.0},
                note="Đợt 5")
    return db.decision_save(**(args | changes))


def test_cohort_text_names_the_cohorts_and_doses_each_lot_serves_in_each_district():
    texts = cohort_text(USAGE)
    # the district's own lot T1 is not sent by the province; 0,2 dose of 5–11 is the solver's rounding
    assert texts.values.tolist() == [[VINH_YEN, "P1", "18 tuổi trở lên mũi 3; 12–17 tuổi mũi 2"],
                                     [VINH_YEN, "P2", "18 tuổi trở lên mũi 2, 3"],
                                     [TAM_DAO, "P1", "12–17 tuổi mũi 1"]]


def test_decision_rows_take_the_allocation_and_fall_back_on_the_approval():
    from app.allocation import Approval

    rows = decision_rows(PROPOSAL, USAGE, [Approval(PFIZER, ("18+", "5-11"), (1, 2), 6)])
    assert list(rows.columns) == ROW_COLUMNS
    # district then expiry: Vĩnh Yên P2 (30/06) before P1 (31/12); Tam Đảo P3 (30/09) before P1
    assert rows[["district", "lot", "vials", "doses", "cohort"]].values.tolist() == [
        [VINH_YEN, "P2", 50, 300, "18 tuổi trở lên mũi 2, 3"],
        [VINH_YEN, "P1", 100, 600, "18 tuổi trở lên mũi 3; 12–17 tuổi mũi 2"],
        [TAM_DAO, "P3", 10, 60, "18 tuổi trở lên mũi 1, 2; 5–11 tuổi mũi 1, 2"],  # no usage: what Pfizer is approved for
        [TAM_DAO, "P1", 20, 120, "12–17 tuổi mũi 1"]]
    assert decision_rows(PROPOSAL, USAGE).set_index("lot").loc["P3"].tolist()[-1] == ""  # no approvals given: blank
    as_frame = pd.DataFrame([{"product": PFIZER, "cohorts": ("18+", "5-11"), "doses": (1, 2), "doses_per_vial": 6}])
    assert decision_rows(PROPOSAL, USAGE, as_frame).equals(rows)


def test_a_saved_decision_is_listed_reopened_with_its_edits_and_audited(db):
    number = save(db)
    assert number == 1
    listed = db.decisions("26")
    # saved: Vĩnh Yên P1 100 + Tam Đảo P1 20 + P3 12 = 132 vials, 600 + 120 + 72 = 792 doses (P2's 0 vials dropped)
    assert listed[["id", "login", "full_name", "snapshot", "as_of", "note", "rows", "vials", "doses"]].values.tolist() \
        == [[1, "cdc", "Trần Thị Bình", "2022-03-10T220000_0.duckdb", dt.date(2022, 3, 10), "Đợt 5", 3, 132, 792]]
    assert listed["saved_at"].tolist() == [SAVED_AT]
    assert db.decisions("01").empty
    decision = db.decision(number)
    assert (decision.vials, decision.doses, decision.address) == (132, 792, "10.0.0.7")
    assert decision.settings["pinned"] == [[TAM_DAO, "P3", 12]] and decision.summary["unmet_people"] == 7564.0
    assert decision.proposal["vials"].sum() == 180 and list(decision.rows.columns) == ROW_COLUMNS
    assert decision.rows.iloc[0].expiry == dt.date(2022, 12, 31)  # Vĩnh Yên P1 comes back as a date
    edits = db.decision_edits(decision)
    assert edits[["district", "lot", "proposal_vials", "saved_vials", "change_vials"]].values.tolist() == [
        [VINH_YEN, "P2", 50, 0, -50], [TAM_DAO, "P3", 10, 12, 2]]
    entry = db.audit_log(event="allocation_decision_saved")[0]
    assert (entry["login"], entry["address"], entry["at"]) == ("cdc", "10.0.0.7", SAVED_AT)
    assert entry["detail"] == {"decision": 1, "province": "26", "snapshot": "2022-03-10T220000_0.duckdb",
                               "as_of": "2022-03-10", "rows": 3, "vials": 132, "doses": 792, "edits": 2}


def test_decisions_are_listed_newest_first_and_an_unchanged_proposal_has_no_edits(db):
    first = save(db)
    db._clock.now = SAVED_AT + dt.timedelta(days=1)
    second = save(db, login="qt", rows=decision_rows(PROPOSAL, USAGE), note=None)
    assert db.decisions()["id"].tolist() == [second, first]
    assert db.decision_edits(db.decision(second)).empty
    assert db.decision(second).note is None and db.decision(second).full_name == "Lê Quản Trị"
    with pytest.raises(LookupError, match="Không có quyết định phân bổ số 9"):
        db.decision(9)


def test_only_health_and_admin_accounts_may_save(db):
    assert DECISION_WRITERS == {"admin", "health"}
    for login in ("bcd", "tamdao", "khong-co"):
        with pytest.raises(PermissionError, match="Chỉ tài khoản Sở Y tế / CDC hoặc quản trị"):
            save(db, login=login)
    db.set_disabled("cdc", True)
    with pytest.raises(PermissionError):
        save(db, login="cdc")
    assert db.decisions().empty and db.audit_log(event="allocation_decision_saved") == []
    assert [decision_write_allowed(db.account(x)) for x in ("cdc", "qt", "bcd", "tamdao")] == [False, True, False,
                                                                                               False]


def test_a_save_that_fails_leaves_neither_the_decision_nor_its_audit_entry(db, monkeypatch):
    def broken(*args):
        raise sqlite3.OperationalError("đĩa đầy")

    monkeypatch.setattr(db, "_audit", broken)
    with pytest.raises(sqlite3.OperationalError):
        save(db)
    with sqlite3.connect(db.path) as con:
        assert con.execute("SELECT count(*) FROM allocation_decisions").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM allocation_decision_rows").fetchone() == (0,)


def test_rows_that_split_a_vial_repeat_a_lot_or_are_empty_are_refused_in_vietnamese(db):
    split = saved_rows().astype({"vials": float})
    split.loc[0, "vials"] = 2.5
    with pytest.raises(ValueError, match="không chia lẻ lọ"):
        save(db, rows=split)
    twice = pd.concat([saved_rows(), saved_rows().iloc[[1]]])  # Vĩnh Yên P1 twice
    with pytest.raises(ValueError, match="có hai dòng"):
        save(db, rows=twice)
    with pytest.raises(ValueError, match="chưa có dòng nào"):
        save(db, rows=saved_rows().assign(vials=0))
    # doses follow the vials whatever the frame says: 3 vials of 6 are 18 doses
    number = save(db, rows=saved_rows().assign(doses=1).iloc[[0]].assign(vials=3))
    assert db.decision(number).rows[["vials", "doses"]].values.tolist() == [[3, 18]]


# --- the snapshot pinned against retention --------------------------------------------------------------------------

def test_the_decision_pins_its_snapshot_and_retention_keeps_it(db, snap, tmp_path):
    """A data directory keeping 1 snapshot: the decision's (the first of three published) survives the pruning that
    removes the second; a second decision on the same snapshot adds its label after the first's."""
    settings = load_settings(tmp_path / "data", province="26", keep=1)
    names = []
    for i in range(3):
        built = S.building_dir(settings) / f"2022-03-1{i}T220000_0.duckdb"
        built.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(snap, built)
        names.append(S.publish(settings, built).name)
        if i == 0:
            number = save(db, snapshot=str(S.snapshots_dir(settings) / names[0]))
            assert X.pin_decision_snapshot(settings, db.decision(number)) == \
                "Quyết định phân bổ vắc xin số 1, 10/03/2022"
    assert S.prune(settings) == [names[1]]
    assert [p.name for p in S.list_snapshots(settings)] == [names[0], names[2]]
    db._clock.now = dt.datetime(2022, 3, 12, 9, 0)
    again = db.decision(save(db, snapshot=names[0]))
    assert X.pin_decision_snapshot(settings, again) == S.pins(settings)[names[0]] == \
        "Quyết định phân bổ vắc xin số 1, 10/03/2022; Quyết định phân bổ vắc xin số 2, 12/03/2022"
    assert X.pin_decision_snapshot(settings, again) == S.pins(settings)[names[0]]  # pinned twice: said once
    (S.snapshots_dir(settings) / names[2]).unlink()
    with pytest.raises(FileNotFoundError):
        X.pin_decision_snapshot(settings, db.decision(save(db, snapshot=names[2])))


# --- received against the decision, on a hand-made warehouse ---------------------------------------------------------

def write_inbox(inbox):
    """The province store holds P1 (31/12/2022), P2 (30/06/2022), P3 (30/09/2022). The decision of 10/03 gives
    Vĩnh Yên 600 doses of P1 and 300 of P2, Tam Đảo 120 of P1 and 60 of P3 (PROPOSAL). The district stores record:
    Vĩnh Yên P1 300 on 10/03 (the decision's own date: before it, not counted) and 600 on 12/03; P2 200 on 13/03.
    Tam Đảo P1 120 on 11/03 and 30 on 16/03; P2 60 on 14/03 (a lot the decision did not give it); P9 40 on 12/03
    (not a lot of the decision)."""
    population_csv(inbox / "population/dan_so.csv", [
        [TICH_SON, "đầu kỳ", 10000, 7000, 900, 1100, "Tổng điều tra 2019"],
        [LIEN_BAO, "đầu kỳ", 20000, 14000, 1800, 2200, "Tổng điều tra 2019"],
        [DAO_TRU, "đầu kỳ", 5000, 3500, 450, 550, "Tổng điều tra 2019"],
    ])
    write_csv(inbox / "stock/so_vac_xin.csv", headers(C.STOCK), [
        ["Tỉnh", "01/03/2022", PFIZER, "P1", "31/12/2022", 2000, 0, 0, 0, 2000],
        ["Tỉnh", "01/03/2022", PFIZER, "P2", "30/06/2022", 1000, 0, 0, 0, 1000],
        ["Tỉnh", "01/03/2022", PFIZER, "P3", "30/09/2022", 500, 0, 0, 0, 500],
        [VINH_YEN, "10/03/2022", PFIZER, "P1", "31/12/2022", 300, 0, 0, 0, 300],
        [VINH_YEN, "12/03/2022", PFIZER, "P1", "31/12/2022", 600, 0, 0, 0, 900],
        [VINH_YEN, "13/03/2022", PFIZER, "P2", "30/06/2022", 200, 0, 0, 0, 200],
        [TAM_DAO, "11/03/2022", PFIZER, "P1", "31/12/2022", 120, 0, 0, 0, 120],
        [TAM_DAO, "16/03/2022", PFIZER, "P1", "31/12/2022", 30, 0, 0, 0, 150],
        [TAM_DAO, "14/03/2022", PFIZER, "P2", "30/06/2022", 60, 0, 0, 0, 60],
        [TAM_DAO, "12/03/2022", PFIZER, "P9", "31/12/2022", 40, 0, 0, 0, 40],
    ], when=dt.datetime(2022, 3, 16, 18, 0))


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    return str(q.snapshot_path(load_settings(build(tmp_path_factory.mktemp("decided") / "data", "26", write_inbox))))


@pytest.fixture
def decision(db):
    return db.decision(save(db, rows=decision_rows(PROPOSAL, USAGE)))


COMPARED = ["district", "lot", "decided_doses", "received_doses", "difference", "status"]


def test_received_against_the_decision_by_hand(snap, decision):
    table = R.received_vs_decision(snap, (VINH_YEN, TAM_DAO), decision, dt.date(2022, 3, 15))
    assert list(table.columns) == R.COLUMNS
    # by district, then expiry: Vĩnh Yên P2 (30/06) 200 of 300; P1 (31/12) 600 of 600 (the 300 of 10/03 not counted)
    # Tam Đảo P2 60 it was not given; P3 nothing of 60; P1 120 of 120 (the 30 of 16/03 is after the date viewed)
    assert table[COMPARED].values.tolist() == [
        [VINH_YEN, "P2", 300, 200, -100, "nhận thiếu"],
        [VINH_YEN, "P1", 600, 600, 0, "đã nhận đủ"],
        [TAM_DAO, "P2", 0, 60, 60, "nhận thừa"],
        [TAM_DAO, "P3", 60, 0, -60, "chưa nhận"],
        [TAM_DAO, "P1", 120, 120, 0, "đã nhận đủ"]]
    named = table.set_index("lot")
    assert table.loc[2, "district_name"] == "Huyện Tam Đảo"  # from the units: not a row of the decision
    assert named.loc["P2"].iloc[0].first_received == pd.Timestamp(2022, 3, 13)
    later = R.received_vs_decision(snap, (VINH_YEN, TAM_DAO), decision, dt.date(2022, 3, 16))
    assert later[COMPARED].values.tolist()[-1] == [TAM_DAO, "P1", 120, 150, 30, "nhận thừa"]


def test_received_follows_the_viewer_scope_and_nothing_is_received_on_the_decision_date(snap, decision):
    mine = R.received_vs_decision(snap, (TAM_DAO,), decision, dt.date(2022, 3, 15))
    assert mine[["district", "lot", "status"]].values.tolist() == [
        [TAM_DAO, "P2", "nhận thừa"], [TAM_DAO, "P3", "chưa nhận"], [TAM_DAO, "P1", "đã nhận đủ"]]
    same_day = R.received_vs_decision(snap, (VINH_YEN, TAM_DAO), decision, dt.date(2022, 3, 10))
    assert same_day["status"].tolist() == ["chưa nhận"] * 4 and same_day["received_doses"].sum() == 0


# --- the solver prints nothing ---------------------------------------------------------------------------------------

SOLVE = ("import sys; sys.path.insert(0, 'tests')\nfrom test_allocation import case\nfrom app import allocation as A\n"
         "inp = case()\nproposal = A.solve(inp)\nassert proposal.status == 'optimal'\nA.compare(inp, proposal)\n")


def test_a_solve_prints_nothing(capfd):
    """In a new process (HiGHS writes its banner once per process, so an earlier solve of this one would hide it),
    whose standard output and error are this test's, captured by capfd."""
    subprocess.run([sys.executable, "-c", "import highspy\nhighspy.Highs()"], cwd=PROJECT, check=True)
    assert "Running HiGHS" in capfd.readouterr().out  # what the capture sees when HiGHS speaks
    subprocess.run([sys.executable, "-c", SOLVE], cwd=PROJECT, check=True)
    assert capfd.readouterr() == ("", "")
