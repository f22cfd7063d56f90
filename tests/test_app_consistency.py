"""One figure, one definition: what two pages (or the sidebar and a page) show of the same thing agrees, on the
hand-made warehouses of conftest_app (the sums that give each expectation beside it)."""
import datetime as dt

import pytest

pytest.register_assert_rewrite("conftest_app")
from conftest_app import open_page, table, texts

pytest_plugins = ["conftest_app"]

OVERVIEW = "pages/1_Tong_quan.py"
CASES = "pages/3_Ca_benh_co_so_dieu_tri.py"
QUALITY = "pages/5_Chat_luong_so_lieu.py"


def metrics(at) -> dict:
    return {m.label: m for m in at.metric}


@pytest.fixture
def app(use_data, app_data):
    return use_data(app_data)


@pytest.fixture
def complete(use_data, complete_data):
    return use_data(complete_data)


def test_the_f0_headline_measures_every_7_day_figure_to_the_last_complete_day_on_both_pages(complete):
    """Every commune reported 01–14/03; on 15/03 only Tích Sơn so far (5 F0). Tích Sơn: 10 a day to 07/03, 20 a day
    08–14/03; 35.000 people. The 7 days to 14/03: 140 (20,0 a day, 400,0 per 100.000) against 70 the week before."""
    overview = open_page(OVERVIEW)
    o = metrics(overview)
    assert o["F0 mới ngày 15/03/2022"].value == "5"  # today's new F0 stays, said to be still filling
    assert o["F0 mới ngày 15/03/2022"].delta == "chưa đủ xã báo cáo"
    assert o["Trung bình 7 ngày (lùi)"].value == "20,0"
    assert o["F0 7 ngày /100.000 dân"].value == "400,0"
    assert o["Trung bình 7 ngày (lùi)"].delta == "+70 ca (+100,0%) / 7 ngày"
    assert o["Xu hướng 7 ngày"].delta == "đến ngày 14/03/2022"
    basis = "7 ngày đến 14/03/2022, ngày gần nhất mọi xã đã báo cáo"
    assert basis in texts(overview)

    cases = open_page(CASES)
    c = metrics(cases)
    # the same scope (the province), the same as-of date: the same numbers, said to be of the same day
    assert c["F0 7 ngày /100.000 dân"].value == o["F0 7 ngày /100.000 dân"].value
    assert c["F0 7 ngày /100.000 dân"].delta == "+70 ca so với 7 ngày trước"
    assert basis in texts(cases)
    # the 7-day F1 share on the same basis: 0 of 140 (the complete warehouse registers no F1)
    assert c["F0 mới đã là F1 (7 ngày)"].value == "0,00%"


def test_with_no_complete_day_both_pages_say_the_7_days_are_still_filling(app):
    """Only 2 of 136 communes ever report: no day is complete, the 7 days are those to the report date (14/03:
    7 × 20 = 140 ÷ 35.000 × 100.000 = 400,0) and no change is claimed."""
    overview = open_page(OVERVIEW)
    o = metrics(overview)
    cases = open_page(CASES)
    c = metrics(cases)
    assert o["F0 7 ngày /100.000 dân"].value == c["F0 7 ngày /100.000 dân"].value == "400,0"
    assert not o["Trung bình 7 ngày (lùi)"].delta and c["F0 7 ngày /100.000 dân"].delta == "chưa xét được xu hướng"
    label = "7 ngày đến 14/03/2022 (chưa có ngày nào mọi xã đã báo cáo: số còn tăng)"
    assert label in texts(overview) and label in texts(cases)
