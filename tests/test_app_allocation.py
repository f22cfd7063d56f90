"""The allocation page's inputs read from a real snapshot (approvals from the targets file, need from
marts.deadline_status and marts.coverage_district, pace and lots from marts.stock_by_lot), the proposal against the
pro-rata split on them, and the page itself: every expected figure computed by hand below.

The warehouse (Vĩnh Phúc, as of 10/03/2022): target 18+ dose 3 at 50 % of the start population by 30/04/2022, minimum
interval dose 2 → 3 of 60 days.
- Vĩnh Yên (243) = Tích Sơn + Liên Bảo: 18+ population 7.000 + 14.000 = 21.000. Dose 2: 5.000 on 01/01 (Tích Sơn),
  10.000 on 01/02 (Liên Bảo); dose 1: 6.000 + 12.000 = 18.000. Dose 3: 2.000 on 10/03.
  people_needed = 50 % × 21.000 − 2.000 = 8.500. Blocked by the interval (deadline 30/04 − 60 days = 01/03, already
  past): everyone still without dose 2 = 21.000 − 15.000 = 6.000. Without dose 3 and not blocked: 21.000 − 2.000 −
  6.000 = 13.000 ≥ 8.500, so need by the deadline = 8.500. Eligible today: dose 2 by 10/03 − 60 days = 09/01: 5.000,
  less the 2.000 with dose 3 = 3.000.
- Tam Đảo (248) = Đạo Trù: 3.500; dose 1 3.200, dose 2 3.000 on 01/01, dose 3 500 on 10/03. people_needed = 1.750 −
  500 = 1.250; blocked = 3.500 − 3.000 = 500; 3.500 − 500 − 500 = 2.500 ≥ 1.250: by the deadline 1.250; eligible today
  3.000 − 500 = 2.500, capped at the 1.250 needed.
- Urgency: 51 days to the deadline → 30 ÷ 51 = 0,588.
Stock (Pfizer, 6 doses a vial): the province store holds P1 (expires 31/03/2022, 600 doses = 100 vials) and P2
(31/12/2022, 1.200 doses = 200 vials). Vĩnh Yên's store received 1.000 of V1 (31/12/2022) and gave 700 on 10/03: pace
700 ÷ 7 = 100 a day, 300 left. Tam Đảo's received 100 of T1 (31/12/2022), gave 14 on 10/03: pace 2 a day, 86 left.
P1 has 21 days left: Vĩnh Yên can give 2.100 of it, Tam Đảo 42.
Pro-rata by 18+ population (21.000 : 3.500): P1 → 85,71 and 14,29 vials → 85 and 14, the vial left to the largest
remainder (Vĩnh Yên): 86 and 14. Tam Đảo gets 84 doses of P1, can give 42 before 31/03: 42 doses expire. The proposal
sends P1 where it is used in time: none expires, 42 saved. Need by the deadline 8.500 + 1.250 = 9.750; the doses
given: own 300 + 86 and all of the province's 1.800 → unmet 9.750 − 2.186 = 7.564 in the proposal, 42 more (7.606)
with the split.
"""
from __future__ import annotations

import datetime as dt

import pytest
from builders import DAO_TRU, LIEN_BAO, TICH_SON, headers, platform_csv, population_csv, write_csv
from conftest_app import TAM_DAO, VINH_YEN, build, open_page

from app import allocation_data as D
from app import allocation_view as V
from app import queries as q
from etl import contracts as C
from etl.settings import load_settings

pytest_plugins = ["conftest_app"]

AS_OF = dt.date(2022, 3, 10)
TARGETS = """
[[target]]
id = "mui3_50"
kind = "coverage"
title = "Tiêm mũi 3 cho một nửa người từ 18 tuổi"
source_document = "Văn bản thử"
cohort = "18+"
dose = 3
threshold_pct = 50.0
deadline = "2022-04-30"

[[min_interval]]
cohort = "18+"
from_dose = 2
to_dose = 3
days = 60
effective_from = "2021-01-01"

[[approval]]
product = "Pfizer"
cohorts = ["18+", "12-17"]
doses = [1, 2, 3]
doses_per_vial = 6
source_document = "Hướng dẫn thử"
"""


def write_inbox(inbox):
    population_csv(inbox / "population/dan_so.csv", [
        [TICH_SON, "đầu kỳ", 10000, 7000, 900, 1100, "Tổng điều tra 2019"],
        [LIEN_BAO, "đầu kỳ", 20000, 14000, 1800, 2200, "Tổng điều tra 2019"],
        [DAO_TRU, "đầu kỳ", 5000, 3500, 450, 550, "Tổng điều tra 2019"],
    ])
    platform_csv(inbox / "platform/xuat.csv", [
        [TICH_SON, "01/12/2021", "18+", 1, "Pfizer", 6000], [LIEN_BAO, "01/12/2021", "18+", 1, "Pfizer", 12000],
        [DAO_TRU, "01/12/2021", "18+", 1, "Pfizer", 3200],
        [TICH_SON, "01/01/2022", "18+", 2, "Pfizer", 5000], [LIEN_BAO, "01/02/2022", "18+", 2, "Pfizer", 10000],
        [DAO_TRU, "01/01/2022", "18+", 2, "Pfizer", 3000],
        [TICH_SON, "10/03/2022", "18+", 3, "Pfizer", 2000], [DAO_TRU, "10/03/2022", "18+", 3, "Pfizer", 500],
    ], when=dt.datetime(2022, 3, 11, 8, 0))
    write_csv(inbox / "stock/so_vac_xin.csv", headers(C.STOCK), [
        ["Tỉnh", "01/03/2022", "Pfizer", "P1", "31/03/2022", 600, 0, 0, 0, 600],
        ["Tỉnh", "01/03/2022", "Pfizer", "P2", "31/12/2022", 1200, 0, 0, 0, 1200],
        [VINH_YEN, "01/03/2022", "Pfizer", "V1", "31/12/2022", 1000, 0, 0, 0, 1000],
        [VINH_YEN, "10/03/2022", "Pfizer", "V1", "31/12/2022", 0, 0, 700, 0, 300],
        [TAM_DAO, "01/03/2022", "Pfizer", "T1", "31/12/2022", 100, 0, 0, 0, 100],
        [TAM_DAO, "10/03/2022", "Pfizer", "T1", "31/12/2022", 0, 0, 14, 0, 86],
    ], when=dt.datetime(2022, 3, 10, 18, 0))
    (inbox / "targets").mkdir(parents=True, exist_ok=True)
    (inbox / "targets/chi_tieu.toml").write_text(TARGETS, encoding="utf-8")


@pytest.fixture(scope="module")
def alloc_data(tmp_path_factory):
    return build(tmp_path_factory.mktemp("alloc") / "data", "26", write_inbox)


@pytest.fixture(scope="module")
def snap(alloc_data):
    return str(q.snapshot_path(load_settings(alloc_data)))


def everyone(snap):
    return tuple(q.all_districts(snap))


def test_approvals_come_from_the_targets_file(snap):
    rules = D.approvals(snap)
    assert rules["product"].tolist() == ["Pfizer"]
    r = rules.iloc[0]
    assert list(r.cohorts) == ["18+", "12-17"] and list(r.doses) == [1, 2, 3] and r.doses_per_vial == 6


def test_need_by_the_deadline_and_eligible_now_by_hand(snap):
    need = D.need(snap, everyone(snap), AS_OF, ("mui3_50",)).set_index("district")
    assert need.loc[VINH_YEN, ["people_needed", "people_blocked_by_interval", "need_by_deadline",
                               "need_eligible_now"]].tolist() == [8500, 6000, 8500, 3000]
    assert need.loc[TAM_DAO, ["people_needed", "people_blocked_by_interval", "need_by_deadline",
                              "need_eligible_now"]].tolist() == [1250, 500, 1250, 1250]
    assert need["weight"].tolist() == [0.588, 0.588]
    assert sorted(need.index) == [VINH_YEN, TAM_DAO]  # districts with nobody needed have no row


def test_the_targets_list_sums_the_districts(snap):
    goals = D.targets(snap, everyone(snap), AS_OF)
    assert goals[["target_id", "districts_short", "people_needed", "need_by_deadline"]].values.tolist() == [
        ["mui3_50", 2, 9750, 9750]]


def test_lots_pace_and_own_stock_from_the_ledger(snap):
    names = dict(zip(q.districts(snap, everyone(snap))["district_code"],
                     q.districts(snap, everyone(snap))["district_name"]))
    inp, _, loose = D.inputs(snap, everyone(snap), AS_OF, "26", names, D.Settings(("mui3_50",)))
    assert inp.lots[["lot", "vials"]].values.tolist() == [["P1", 100], ["P2", 200]]
    assert loose == {}
    pace = {(r.district, r.product): r.doses_per_day for r in inp.pace.itertuples()}
    assert pace == {(VINH_YEN, "Pfizer"): 100.0, (TAM_DAO, "Pfizer"): 2.0}
    assert sorted(map(tuple, inp.district_stock[["district", "lot", "doses"]].values.tolist())) == [
        (VINH_YEN, "V1", 300.0), (TAM_DAO, "T1", 86.0)]


def test_the_proposal_saves_what_the_pro_rata_split_lets_expire(snap):
    districts = q.districts(snap, everyone(snap))
    plan = D.plan(snap, everyone(snap), AS_OF, "26", tuple(zip(districts.district_code, districts.district_name)),
                  D.Settings(("mui3_50",)))
    assert plan.proposal.status == "optimal"
    split = {(r.district, r.lot): r.vials for r in plan.split.itertuples()}
    assert split[(VINH_YEN, "P1")] == 86 and split[(TAM_DAO, "P1")] == 14
    figures = V.headline(plan)
    assert figures["expiring_unused"] == (42.0, 0.0)
    assert figures["saved"][1] == 42.0
    assert figures["unmet_people"] == (7606.0, 7564.0)
    sent = plan.proposal.allocation.groupby("lot")["vials"].sum().to_dict()
    assert sent == {"P1": 100, "P2": 200}  # every vial sent, none split
    rows = V.proposal(plan)
    assert set(rows["cohort"]) == {"18 tuổi trở lên mũi 3"}


def test_eligible_now_drives_a_smaller_need(snap):
    districts = q.districts(snap, everyone(snap))
    plan = D.plan(snap, everyone(snap), AS_OF, "26", tuple(zip(districts.district_code, districts.district_name)),
                  D.Settings(("mui3_50",), need_mode="eligible_now"))
    # need 3.000 + 1.250 = 4.250; given: own 300 + 86, and of the province's 1.800 what the need still asks:
    # Vĩnh Yên 3.000 − 300 = 2.700, Tam Đảo 1.250 − 86 = 1.164: 1.800 all used; unmet 4.250 − 2.186 = 2.064
    assert V.headline(plan)["unmet_people"][1] == 2064.0


def test_the_page_shows_the_comparison(alloc_data, use_data):
    use_data(alloc_data)
    at = open_page("pages/10_Phan_bo_vac_xin.py", role="health", state={"as_of_kept": AS_OF})
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    assert metrics["Liều hết hạn chưa dùng"] == ("0", "chia theo dân số: 42")
    assert metrics["Liều tránh được hết hạn"][0] == "42"
    assert metrics["Nhu cầu chưa đáp ứng (người)"] == ("7.564", "chia theo dân số: 7.606")


def test_a_district_account_is_told_the_proposal_is_province_wide(alloc_data, use_data):
    use_data(alloc_data)
    at = open_page("pages/10_Phan_bo_vac_xin.py", role="district", district=TAM_DAO)
    assert not at.metric
    assert "dành cho tài khoản xem toàn tỉnh" in at.info[0].value


def test_a_health_account_saves_the_proposal_as_a_decision_and_reopens_it(alloc_data, use_data):
    from app.state import State
    from etl import snapshots as S

    use_data(alloc_data)
    at = open_page("pages/10_Phan_bo_vac_xin.py", role="health", state={"as_of_kept": AS_OF,
                                                                         "alloc_horizon": 120})
    at.text_input(key="alloc_note").input("Trình Giám đốc Sở ký")
    next(b for b in at.button if b.label == "Lưu đề xuất đang xem thành quyết định").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert "Đã lưu quyết định số 1: 300 lọ, 1.800 liều." in at.success[0].value.replace("\\", "")
    settings = load_settings(alloc_data)
    store = State(settings.data_dir / "state" / "state.sqlite3")
    found = store.decision(1)
    assert found.login == "kiemthu.health" and found.as_of == AS_OF and found.note == "Trình Giám đốc Sở ký"
    assert found.settings["horizon_days"] == 120 and found.settings["targets"] == ["mui3_50"]
    assert found.summary["expiring_unused"]["pro_rata"] == 42.0 and found.summary["saved"]["proposal"] == 42.0
    assert found.rows.groupby("lot")["vials"].sum().to_dict() == {"P1": 100, "P2": 200}
    assert found.snapshot in S.pins(settings)  # retention keeps the snapshot it was solved on
    assert any(e["event"] == "allocation_decision_saved" for e in store.audit_log(login="kiemthu.health"))
    # listed, and reopened in the what-if form with its settings
    assert at.selectbox(key="alloc_decision").value is None  # listed; opened when chosen
    at.selectbox(key="alloc_decision").select(1).run()
    at.session_state["alloc_horizon"] = 90
    at.button(key="alloc_reopen").click().run()
    assert at.number_input(key="alloc_horizon").value == 120
    assert "Đang mở lại quyết định số 1" in at.info[0].value.replace("\\", "")


def test_a_committee_account_sees_decisions_but_cannot_save(alloc_data, use_data):
    use_data(alloc_data)
    at = open_page("pages/10_Phan_bo_vac_xin.py", role="committee", state={"as_of_kept": AS_OF})
    assert not any(b.label == "Lưu đề xuất đang xem thành quyết định" for b in at.button)
    assert any("Chỉ tài khoản Sở Y tế / CDC" in c.value for c in at.caption)


def test_a_cold_chain_limit_and_an_impossible_pin_are_said_in_vietnamese(alloc_data, use_data):
    import pandas as pd

    snap = str(q.snapshot_path(load_settings(alloc_data)))
    districts = q.districts(snap, everyone(snap))
    names = tuple(zip(districts.district_code, districts.district_name))
    # Tam Đảo holds 86 doses of its own; a cold chain of 200 doses leaves room for 114: at most 19 vials of 6
    limits = pd.DataFrame({"district": [TAM_DAO], "capacity_doses": [200], "min_vials": [None]})
    chosen = D.settings_from(["mui3_50"], "by_deadline", [], [], 90, None, limits)
    assert chosen.limits == ((TAM_DAO, 200.0, None),)
    plan = D.plan(snap, everyone(snap), AS_OF, "26", names, chosen)
    sent = plan.proposal.allocation
    assert sent[sent["district"] == TAM_DAO]["doses"].sum() <= 114
    # pinning more vials of P1 than the store holds cannot be done: the page says why, in Vietnamese
    use_data(alloc_data)
    at = open_page("pages/10_Phan_bo_vac_xin.py", role="health", state={"as_of_kept": AS_OF})
    at.session_state["alloc_pinned"] = {"edited_rows": {}, "added_rows": [{"district": VINH_YEN, "lot": "P1",
                                                                           "vials": 150}], "deleted_rows": []}
    at.button(key="FormSubmitter:alloc_form-Lập đề xuất").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert "Không lập được đề xuất" in at.error[0].value
    said = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "P1" in said and "100" in said
    assert not at.metric
