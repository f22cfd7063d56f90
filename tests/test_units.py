import pytest

from etl.units import UnitRegistry, UnknownUnit, provinces

# Codes read from data/reference/units_gso_2021.csv by hand.
VP = "26"


@pytest.fixture(scope="module")
def vp():
    return UnitRegistry.load(VP)


def test_province_and_tables(vp):
    assert vp.province_code == "26"
    assert vp.province_name == "Tỉnh Vĩnh Phúc"
    assert vp.province_short == "Vĩnh Phúc"
    assert list(vp.districts.columns) == ["district_code", "district_name", "district_type", "district_short",
                                          "province_code"]
    assert list(vp.communes.columns) == ["commune_code", "commune_name", "commune_type", "district_code", "province_code"]
    assert vp.districts["district_code"].tolist() == ["243", "244", "246", "247", "248", "249", "251", "252", "253"]
    assert vp.districts.iloc[0].tolist() == ["243", "Thành phố Vĩnh Yên", "Thành phố", "Vĩnh Yên", "26"]
    assert len(vp.communes) == 136
    assert vp.communes["commune_code"].is_monotonic_increasing
    assert vp.communes.iloc[0].tolist() == ["08707", "Phường Tích Sơn", "Phường", "243", "26"]


def test_national_registry_has_every_province_district_and_commune():
    from etl.units import UnitRegistry
    vn = UnitRegistry.load("00")
    assert vn.national and vn.province_name == "Toàn quốc"
    assert (len(vn.provinces), len(vn.communes)) == (63, 10599)
    assert vn.match_commune("08914") == "08914" and vn.match_commune("00001") == "00001"


def test_load_is_cached(vp):
    assert UnitRegistry.load("26") is vp
    assert UnitRegistry.load(26) is vp


@pytest.mark.parametrize("value, code", [
    ("Thành phố Vĩnh Yên", "243"), ("TP. Vĩnh Yên", "243"), ("TP Vinh Yen", "243"), ("Tp.Vĩnh Yên", "243"),
    ("Vinh Yen", "243"), ("vĩnh yên", "243"), ("  VĨNH   YÊN ", "243"),
    ("Thành phố Phúc Yên", "244"), ("TX. Phúc Yên", "244"), ("Thị xã Phúc Yên", "244"),
    ("Huyện Lập Thạch", "246"), ("H. Tam Dương", "247"),
    ("H. Tam Đảo", "248"), ("Huyện Tam Đảo", "248"), ("Tam Dao", "248"),
    ("Bình Xuyên", "249"), ("Yên Lạc", "251"), ("Huyện Vĩnh Tường", "252"), ("Sông Lô", "253"),
    ("248", "248"), (248, "248"), (248.0, "248"),
    ("Tam §¶o", "248"), ("Huyeän Vónh Töôøng", "252"),  # legacy encodings are fixed first
])
def test_match_district(vp, value, code):
    assert vp.match_district(value) == code


@pytest.mark.parametrize("value, code", [
    ("Xã Đạo Trù", "08914"), ("X. Đạo Trù", "08914"), ("xa dao tru", "08914"), ("Đạo Trù", "08914"),
    ("Dao Tru", "08914"),
    ("Phường Tích Sơn", "08707"), ("P. Tích Sơn", "08707"), ("Tich Son", "08707"),
    ("Thị trấn Thổ Tang", "09112"), ("TT. Thổ Tang", "09112"), ("TT Tho Tang", "09112"),
    ("Thị trấn Lập Thạch", "08761"),
    ("08707", "08707"), ("8707", "08707"), (8707, "08707"), (8707.0, "08707"), ("8707.0", "08707"),
    ("Phường Xuân Hoà", "08746"), ("Phường Xuân Hòa", "08746"), ("Xã Xuân Hòa", "08794"), ("Xã Xuân Hoà", "08794"),
])
def test_match_commune(vp, value, code):
    assert vp.match_commune(value) == code


def test_match_commune_within_district(vp):
    assert vp.match_commune("Xuân Hoà", district_code="244") == "08746"
    assert vp.match_commune("Xuân Hòa", district_code="246") == "08794"
    assert vp.match_commune("Đạo Trù", district_code="248") == "08914"
    assert vp.match_commune(8914, district_code=248) == "08914"
    assert vp.match_commune("Đạo Trù", district_code=248.0) == "08914"


def test_ambiguous_bare_name(vp):
    with pytest.raises(UnknownUnit) as err:
        vp.match_commune("Xuân Hoà")
    assert err.value.level == "commune"
    assert err.value.suggestions == ["Phường Xuân Hoà (08746)", "Xã Xuân Hòa (08794)"]
    assert "trùng 2 đơn vị" in str(err.value)


def test_unknown_name_suggests_the_real_unit(vp):
    with pytest.raises(UnknownUnit) as err:
        vp.match_commune("Xã Đạo Trùu")
    exc = err.value
    assert isinstance(exc, ValueError)
    assert exc.name == "Xã Đạo Trùu" and exc.level == "commune"
    assert exc.suggestions[0] == "Xã Đạo Trù (08914)"
    assert len(exc.suggestions) <= 3
    assert str(exc).startswith('Không tìm thấy đơn vị "Xã Đạo Trùu" trong tỉnh Vĩnh Phúc. Có phải: Xã Đạo Trù (08914)')

    with pytest.raises(UnknownUnit) as err:
        vp.match_commune("Xa Dao Tru X")
    assert err.value.suggestions[0] == "Xã Đạo Trù (08914)"

    with pytest.raises(UnknownUnit) as err:
        vp.match_district("Vinh Yenn")
    assert err.value.level == "district"
    assert err.value.suggestions[0] == "Thành phố Vĩnh Yên (243)"


def test_suggestions_stay_in_the_district(vp):
    with pytest.raises(UnknownUnit) as err:
        vp.match_commune("Xã Đạo Trùu", district_code="243")
    codes = [s[-6:-1] for s in err.value.suggestions]
    assert codes and all(vp.district_of(c) == "243" for c in codes)
    assert "trong thành phố Vĩnh Yên, tỉnh Vĩnh Phúc" in str(err.value)


def test_code_from_elsewhere_is_rejected(vp):
    with pytest.raises(UnknownUnit) as err:
        vp.match_commune("00001")  # Phường Phúc Xá, Hà Nội
    assert "Hà Nội" in str(err.value)
    with pytest.raises(UnknownUnit):
        vp.match_commune(1)
    with pytest.raises(UnknownUnit):
        vp.match_district("001")
    with pytest.raises(UnknownUnit):
        vp.match_commune("08707", district_code="248")  # Tích Sơn is in Vĩnh Yên, not Tam Đảo
    with pytest.raises(UnknownUnit) as err:
        vp.match_commune("Xã Đạo Trù", district_code="243")
    assert "Xã Đạo Trù (08914) thuộc Huyện Tam Đảo" in str(err.value)


@pytest.mark.parametrize("value", [None, float("nan"), "", "   "])
def test_empty_values(vp, value):
    with pytest.raises(UnknownUnit):
        vp.match_commune(value)


def test_errors_are_cached_but_raised_fresh(vp):
    for _ in range(3):
        with pytest.raises(UnknownUnit) as err:
            vp.match_commune("Không có xã này")
        assert err.value.name == "Không có xã này"


def test_lookups(vp):
    assert vp.district_of("08914") == "248"
    assert vp.district_of(8914) == "248"
    assert vp.name_of("08914") == "Xã Đạo Trù"
    assert vp.name_of("248") == "Huyện Tam Đảo"
    assert vp.name_of("26") == "Tỉnh Vĩnh Phúc"
    with pytest.raises(UnknownUnit):
        vp.district_of("00001")
    with pytest.raises(KeyError):
        vp.name_of("00001")


def test_quang_ninh():
    qn = UnitRegistry.load("22")
    assert qn.province_name == "Tỉnh Quảng Ninh" and qn.province_short == "Quảng Ninh"
    assert len(qn.districts) == 13 and len(qn.communes) == 177
    assert qn.match_district("TP. Hạ Long") == "193"
    assert qn.match_district("Đông Triều") == "205"
    assert qn.match_district("TX Quảng Yên") == "206"
    assert qn.match_commune("P. Hồng Gai") == "06691"


def test_type_prefix_separates_units_with_the_same_bare_name():
    ht = UnitRegistry.load("42")  # Hà Tĩnh has Huyện Kỳ Anh (447) and Thị xã Kỳ Anh (449)
    assert ht.match_district("H. Kỳ Anh") == "447"
    assert ht.match_district("TX. Kỳ Anh") == "449"
    with pytest.raises(UnknownUnit) as err:
        ht.match_district("Kỳ Anh")
    assert err.value.suggestions == ["Huyện Kỳ Anh (447)", "Thị xã Kỳ Anh (449)"]


def test_numbered_names():
    hcm = UnitRegistry.load("79")
    assert hcm.match_district("Q1") == hcm.match_district("Quận 1") == "760"
    assert hcm.match_district("Q.3") == "770"
    assert hcm.match_commune("Phường 1", district_code="770") == "27160"  # listed as "Phường 01"
    assert hcm.match_commune("P1", district_code="770") == "27160"


def test_provinces():
    df = provinces()
    assert list(df.columns) == ["province_code", "province_name"]
    assert len(df) == 63
    assert df.loc[df["province_code"] == "26", "province_name"].item() == "Tỉnh Vĩnh Phúc"
    assert df.loc[df["province_code"] == "01", "province_name"].item() == "Thành phố Hà Nội"
