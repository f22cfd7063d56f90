"""A commune written as its GSO code is read without the registry's name search (the national inbox has ~10,600 codes
a file); the result, and the refusal of a code that is not the province's or the district's, are the registry's."""
import pytest

from etl import contracts as C
from etl.units import UnitRegistry, UnknownUnit
from etl.values import Parser


@pytest.fixture(scope="module")
def vp():
    return UnitRegistry.load("26")


def commune(registry, district=None):
    return Parser(C.CASES.column("commune"), registry, district, anchor=False)


@pytest.mark.parametrize("text", ["08707", "8707", " 08707 ", "8707.0", "Phường Tích Sơn"])
def test_a_code_in_any_spelling_reads_as_the_registry_reads_it(vp, text):
    assert commune(vp)(text) == vp.match_commune(text) == "08707"


def test_a_code_of_another_province_is_refused_with_the_registrys_message(vp):
    with pytest.raises(UnknownUnit) as fast:
        commune(vp)("00001")
    with pytest.raises(UnknownUnit) as slow:
        vp.match_commune("00001")
    assert str(fast.value) == str(slow.value)
    assert "00001" in str(fast.value)


def test_a_code_of_another_district_is_refused_when_the_row_names_its_district(vp):
    assert commune(vp)("08707", "243") == "08707"
    with pytest.raises(UnknownUnit) as fast:
        commune(vp)("08707", "244")
    with pytest.raises(UnknownUnit) as slow:
        vp.match_commune("08707", "244")
    assert str(fast.value) == str(slow.value)


def test_the_national_registry_reads_every_commune_code():
    vn = UnitRegistry.load("00")
    parse = commune(vn)
    codes = vn.communes["commune_code"].tolist()
    assert [parse(c) for c in codes] == codes
