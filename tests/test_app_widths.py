"""What a briefing screen shows whole: every table column as wide as its longest formatted text (header included),
the page-wide style drawn once per run, and the age groups written one way ("12–17") on every page."""
import json
import tomllib

import pandas as pd
import pytest
from conftest_app import PROJECT, open_page
from streamlit.testing.v1 import AppTest

from app import formatting as F
from app import widgets as W

pytest_plugins = ["conftest_app"]

PAGES = [None, "pages/2_Bao_phu_tiem_chung.py", "pages/3_Ca_benh_co_so_dieu_tri.py", "pages/4_Vac_xin_ton_kho.py",
         "pages/5_Chat_luong_so_lieu.py", "pages/6_Tien_do_chi_tieu.py", "pages/7_Co_so_dieu_tri.py"]


def test_every_column_is_as_wide_as_its_longest_formatted_text():
    frame = pd.DataFrame({"unit": ["Xã A", "Khu điều trị tập trung Tam Đảo", None],
                          "people": [7, 1151154, -20], "pct": [99.8234, 5.0, None], "day": pd.to_datetime(
                              ["2022-03-10", None, "2022-03-11"]), "flag": [True, False, True]})
    cols = {"unit": W.Col("Cơ sở"), "people": W.Col("Người", "int"), "pct": W.Col("Tỷ lệ", "pct", bar="Mức"),
            "day": W.Col("Ngày", "date"), "flag": W.Col("Cần rà soát số liệu dân số", "flag", flag_text="có")}
    widths = W.column_widths(W._shown(frame, cols, bars=True), cols)
    # the longest formatted value of each column, known by hand, fits in its width with the cell's padding
    for label, longest in (("Cơ sở", "Khu điều trị tập trung Tam Đảo"), ("Người", "1.151.154"),
                           ("Tỷ lệ", "99,82%"), ("Ngày", "10/03/2022")):
        assert widths[label] >= W.text_px(longest) + W.CELL_PAD_PX, (label, widths[label])
    # a header longer than every value sets the width, with room for the arrow of a sorted column ("↑ ")
    assert widths["Cần rà soát số liệu dân số"] == W.text_px("↑ Cần rà soát số liệu dân số") + W.CELL_PAD_PX
    assert widths["Mức"] >= W.BAR_PX
    # the widest value in pixels, not in characters: "WWWWW" (5 letters) is wider than "iiiiiiiii" (9)
    narrow_letters = pd.DataFrame({"unit": ["iiiiiiiii", "WWWWW"]})
    assert W.text_px("WWWWW") > W.text_px("iiiiiiiii")
    assert W.column_widths(narrow_letters.rename(columns={"unit": "Ô"}), {"unit": W.Col("Ô")})["Ô"] == (
        W.text_px("WWWWW") + W.CELL_PAD_PX)


def table_app():
    import pandas as pd
    import streamlit as st

    from app import widgets as W

    W.page_chrome()  # as app.frame.frame() does first on every page
    frame = pd.DataFrame({"unit": ["Thành phố Vĩnh Yên"], "status": ["at_risk"], "people": [1151154]})
    cols = {"unit": W.Col("Đơn vị"), "status": W.Col("Tình trạng", words={"at_risk": "có nguy cơ trễ hạn"}),
            "people": W.Col("Còn thiếu (người)", "int")}
    W.table(frame, cols, key="narrow", file_name="a", download=False)
    wide = pd.concat([frame.assign(**{f"n{i}": 123456789 for i in range(12)})])
    W.table(wide, {**cols, **{f"n{i}": W.Col(f"Số thứ {i}", "int") for i in range(12)}}, key="wide",
            file_name="b", download=False)
    st.session_state["styles"] = st.session_state.get("styles", 0)


def test_the_table_takes_the_widths_and_a_too_wide_one_scrolls_on_purpose():
    at = AppTest.from_function(table_app).run()
    assert not at.exception
    narrow, wide = ({k: c for k, c in json.loads(d.proto.columns).items() if k != "_index"} for d in at.dataframe)
    assert narrow["Tình trạng"]["width"] >= W.text_px("có nguy cơ trễ hạn") + W.CELL_PAD_PX
    assert narrow["Còn thiếu (người)"]["width"] >= W.text_px("↑ Còn thiếu (người)") + W.CELL_PAD_PX
    assert sum(c["width"] for c in narrow.values()) <= W.MAIN_PX
    assert sum(c["width"] for c in wide.values()) > W.MAIN_PX
    assert not any(c.get("pinned") for c in [*narrow.values(), *wide.values()])  # a pinned column reads as greyed
    keys = {getattr(b, "key", None) for b in at.main.children.values()}
    assert {"table_narrow", "table_wide"} <= keys
    assert any(getattr(b, "key", None) == "wide_wide" for b in at.main.children[1].children.values())
    # the page-wide style once per run, from the frame: the tables add none; again on the next run
    for run in (at, at.run()):
        styles = [e for e in run.get("html") if "stElementToolbar" in e.proto.body]
        assert len(styles) == 1, len(styles)


def test_age_groups_have_one_spelling():
    assert F.cohort("12-17") == "12–17" and F.cohort("5-11") == "5–11" and F.cohort("18+") == "18+"
    assert F.dashed("cho người từ 12-17 tuổi, trẻ 5 - 11 tuổi.") == "cho người từ 12–17 tuổi, trẻ 5–11 tuổi."
    # dates and document numbers are left alone
    assert F.dashed("2021-12-17, 347/TB-VPCP, 12-17.5") == "2021-12-17, 347/TB-VPCP, 12-17.5"


def page_text(at: AppTest) -> str:
    """Everything a viewer can read on the page: texts, metrics, widget labels and options, table headers and cells,
    tab labels."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value} {m.delta or ''}" for m in at.metric]
    for kind in ("selectbox", "radio", "multiselect"):
        for widget in getattr(at, kind):
            parts += [widget.label, *map(str, widget.options)]
    parts += [t.label for t in at.tabs]
    for frame in at.dataframe:
        value = frame.value
        parts += [str(c) for c in value.columns] + [str(v) for v in value.astype(str).to_numpy().ravel()]
    return "\n".join(parts)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_writes_the_age_groups_with_an_en_dash(use_data, app_data, page):
    use_data(app_data)
    at = open_page(page)
    seen = [page_text(at)]
    if page == "pages/6_Tien_do_chi_tieu.py":  # every target: the 12–17 ones quote their directive
        with open(PROJECT / "etl/defaults/targets.toml", "rb") as file:
            ids = [t["id"] for t in tomllib.load(file)["target"] if t["kind"] == "coverage"]
        for target in ids:
            at.session_state["dl_target"] = target
            at.run()
            assert not at.exception
            seen.append(page_text(at))
        # the directive quoting "12-17 tuổi" is on screen, in the one spelling
        assert any("cho người từ 12–17 tuổi trong tháng 01/2022" in text for text in seen)
    for text in seen:
        assert "12-17" not in text and "5-11" not in text, [line for line in text.splitlines()
                                                             if "12-17" in line or "5-11" in line]
