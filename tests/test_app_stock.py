"""The stock page (and the overview's stock figures) on the hand-made ledger of tests/test_etl_stock.py, whose sums
are written there: ledger date 14/03/2022; Pfizer at Vĩnh Yên (1.300 doses, 70 a day), Tam Đảo (none left, 30 a day),
Phúc Yên (100, never administered) and the province store (2.500 in two lots); Vero Cell only at the province store."""
import datetime as dt
import math

import pytest

pytest.register_assert_rewrite("conftest_app")
from builders import TICH_SON, cases_csv
from conftest_app import build, open_page, table, texts
from test_etl_stock import write_stock_inbox

pytest_plugins = ["conftest_app"]

OVERVIEW = "pages/1_Tong_quan.py"
STOCK = "pages/4_Vac_xin_ton_kho.py"


def write_inbox(inbox) -> None:
    """The ledger, and one commune's case reports of 01/03 and 14/03 so that the viewer may pick the dates between."""
    write_stock_inbox(inbox)
    cases_csv(inbox / "cases/ca_benh.csv", [[TICH_SON, day, 0, 0, 0, 0, 0, 0, 0, 0, 0]
                                            for day in ("01/03/2022", "14/03/2022")], when=dt.datetime(2022, 3, 14, 20))


@pytest.fixture(scope="session")
def stock_data(tmp_path_factory):
    return build(tmp_path_factory.mktemp("stock_app") / "data", "26", write_inbox)


@pytest.fixture
def ledger(use_data, stock_data):
    return use_data(stock_data)


def rows(frame, key: str) -> dict:
    return {r[key]: r for r in frame.to_dict("records")}


def test_by_product_both_levels_days_of_stock_and_a_product_nobody_administers(ledger):
    at = open_page(STOCK)
    products = rows(table(at, "stock_products"), "Vắc xin")
    pfizer = products["Pfizer"]
    # 1.300 + 0 + 100 at the districts + 2.500 at the province store; at risk 80 + 100 (Vĩnh Yên's own), 100 (Phúc Yên,
    # no pace), 200 + 420 (the province store's, against what the districts can use after their own stock)
    assert (pfizer["Liều còn hạn"], pfizer["Tại kho tỉnh"], pfizer["Có nguy cơ hủy"]) == (3900, 2500, 900)
    # the districts' pace 70 + 30 (Phúc Yên has none); the province store 2.500 ÷ 100 = 25,0 days; the district
    # stores 1.400 ÷ 100 = 14,0 days
    assert (pfizer["Huyện tiêm/ngày"], pfizer["Kho tỉnh đủ (ngày)"], pfizer["Kho huyện đủ (ngày)"]) == (100.0, 25.0, 14.0)
    vero = products["Vero Cell"]
    assert (vero["Liều còn hạn"], vero["Có nguy cơ hủy"]) == (1000, 1000)
    assert math.isnan(vero["Huyện tiêm/ngày"]) and math.isnan(vero["Kho tỉnh đủ (ngày)"])
    assert ("Chưa có số liệu tiêm ở huyện nào trong phạm vi xem: Vero Cell — chưa có tốc độ tiêm để tính số ngày đủ "
            "dùng") in texts(at)
    assert "chia theo dân số, ở trang Phân bổ vắc xin." in texts(at)


def test_by_store_a_store_without_history_says_so_and_shows_no_pace(ledger):
    at = open_page(STOCK)
    stores = {(r["Kho"], r["Vắc xin"]): r for r in table(at, "stock_stores").to_dict("records")}
    phuc_yen = stores[("Thành phố Phúc Yên", "Pfizer")]
    assert phuc_yen["Ghi chú"] == "chưa có số liệu tiêm" and math.isnan(phuc_yen["Tiêm/ngày (7 ngày)"])
    assert math.isnan(phuc_yen["Đủ dùng (ngày)"]) and phuc_yen["Có nguy cơ hủy"] == 100
    vinh_yen = stores[("Thành phố Vĩnh Yên", "Pfizer")]
    assert (vinh_yen["Liều còn hạn"], vinh_yen["Tiêm/ngày (7 ngày)"], vinh_yen["Đủ dùng (ngày)"],
            vinh_yen["Có nguy cơ hủy"], vinh_yen["Ghi chú"]) == (1300, 70.0, 18.6, 180, "")
    # Tam Đảo holds nothing but administers: it is listed, with 0 days
    assert stores[("Huyện Tam Đảo", "Pfizer")]["Đủ dùng (ngày)"] == 0.0
    province = stores[("Kho tỉnh (CDC)", "Pfizer")]
    assert (province["Tiêm/ngày (7 ngày)"], province["Đủ dùng (ngày)"], province["Có nguy cơ hủy"]) == (100.0, 25.0, 620)


def test_wastage_per_product_is_discarded_over_used(ledger):
    at = open_page(STOCK)
    pfizer = rows(table(at, "stock_wastage"), "Vắc xin")["Pfizer"]
    # 10 open-vial + 50 expired discarded at Vĩnh Yên; 490 + 210 administered: 60 ÷ 760 = 7,89%
    assert (pfizer["Đã tiêm"], pfizer["Hủy"], pfizer["Trong đó do hết hạn"], pfizer["Tỷ lệ hủy"]) == (700, 60, 50, 7.89)


def test_ledger_rows_whose_count_disagrees_show_both_figures(ledger):
    at = open_page(STOCK)
    flags = table(at, "stock_count_flags")
    assert list(flags["Kho"]) == ["Huyện Tam Đảo", "Thành phố Vĩnh Yên"]  # the latest first
    assert list(flags["Tồn ghi trong sổ"]) == [-30, 999] and list(flags["Số dư sổ sách"]) == [60, 790]
    assert list(flags["Chênh lệch"]) == [-90, 209] and list(flags["Số đếm âm"]) == ["âm", ""]
    # on 12/03 the lot with the negative count holds the running balance's 60 doses, 2,8 days at 150 ÷ 7 a day
    at.sidebar.date_input(key="as_of").set_value(dt.date(2022, 3, 12)).run()
    lots = table(at, "stock_lots")
    fkc = lots[lots["Số lô"] == "FKC"].iloc[0]
    assert (fkc["Liều còn"], fkc["Đủ dùng (ngày)"], fkc["Số đếm lệch sổ"]) == (60, 2.8, "lệch")
    assert list(table(at, "stock_count_flags")["Số lô"]) == ["FKC", "FKA"]


def test_the_overview_counts_the_doses_at_risk_of_the_stock_page(ledger):
    at = open_page(OVERVIEW)
    metrics = {m.label: m for m in at.metric}
    # the stock page's 900 Pfizer + 1.000 Vero Cell, of 3.900 + 1.000
    assert metrics["Liều có thể hết hạn chưa dùng"].value == "1.900"
    assert metrics["Liều vắc xin còn hạn"].value == "4.900"
    # the lots at risk, soonest expiry first (5 of the 6 shown), summing to the same 1.900
    lots = table(at, "exc_lots")
    assert list(zip(lots["Số lô"], lots["Có nguy cơ hủy"])) == [
        ("FKA", 80), ("FKP1", 200), ("FKB", 100), ("FKP2", 420), ("FKD", 100)]
    assert ("5 dòng (lô × kho) trên 6, xếp theo hạn dùng, sớm nhất trước; 900 trên tổng 1.900 liều có nguy cơ hủy."
            in texts(at))
