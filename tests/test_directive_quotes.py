"""Directive quotes come from the targets file with the provinces they speak to: each province's dashboard quotes its
own documents (the F0 page used to cite Đắk Nông's Văn bản 7431/UBND-KGVX on Vĩnh Phúc's dashboard)."""
import pytest

pytest.register_assert_rewrite("conftest_app")
from conftest_app import open_page, texts

from etl.readers import FileError
from etl.snapshots import current_snapshot
from etl.settings import load_settings
from etl.targets import DEFAULTS, parse_targets

pytest_plugins = ["conftest_app"]
PAGE = "pages/3_Ca_benh_co_so_dieu_tri.py"
VINH_PHUC_QUOTE = ("Tuyệt đối không để người dân sau khi có kết quả dương tính với vi-rút SARS-CoV-2 không được tiếp "
                   "cận với các dịch vụ y tế")


def test_the_f0_page_quotes_the_provinces_own_directive(use_data, app_data):
    use_data(app_data)
    text = texts(open_page(PAGE))
    assert VINH_PHUC_QUOTE in text and "Chỉ thị của Ban Thường vụ Tỉnh ủy Vĩnh Phúc" in text and "mục 3" in text
    assert "Đắk Nông" not in text and "7431" not in text


def test_a_province_with_no_quote_of_its_own_shows_none_of_another_provinces(use_data, app_copy):
    """The same warehouse, its Vĩnh Phúc quote re-addressed to Đắk Nông: the page shows no quote at all."""
    import duckdb

    use_data(app_copy)
    with duckdb.connect(str(current_snapshot(load_settings(app_copy)))) as con:
        con.execute("UPDATE marts.directive_quotes SET provinces = ['67']")
    text = texts(open_page(PAGE))
    assert "F0 chưa được cấp thuốc, chưa được theo dõi" in text
    assert "Tuyệt đối" not in text and "Đắk Nông" not in text and "Chỉ thị của Ban Thường vụ" not in text


def test_each_quote_speaks_to_its_provinces_and_a_national_one_to_all(app_data):
    import streamlit as st  # noqa: F401  (the query layer's caches)

    from app import queries as q

    snapshot = str(current_snapshot(load_settings(app_data)))
    assert q.directive_quotes(snapshot, "care_access", "26")["source_document"].str.contains("Vĩnh Phúc").tolist() == [True]
    assert q.directive_quotes(snapshot, "care_access", "67")["source_document"].tolist() == [
        "Văn bản số 7431/UBND-KGVX ngày 20/12/2021 của UBND tỉnh Đắk Nông, mục 3"]
    assert q.directive_quotes(snapshot, "care_access", "22").empty
    text = DEFAULTS.read_text(encoding="utf-8") + '\n[[quote]]\ntopic = "care_access"\ntext = "Chung"\nsource_document = "Bộ Y tế"\n'
    quotes = parse_targets(text)["directive_quotes"]
    assert quotes.loc[quotes["source_document"] == "Bộ Y tế", "provinces"].isna().all()  # national: every province


@pytest.mark.parametrize("entry,message", [
    ('[[quote]]\ntopic = "care_access"\ntext = "x"\nsource_document = "y"\nprovinces = [26]\n', "provinces phải là"),
    ('[[quote]]\ntopic = "care_access"\nsource_document = "y"\n', 'thiếu khóa "text"'),
])
def test_a_malformed_quote_refuses_the_targets_file_naming_it(entry, message):
    with pytest.raises(FileError) as err:
        parse_targets(entry)
    assert message in err.value.reason and err.value.column == "[[quote]] thứ 1"
