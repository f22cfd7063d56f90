import unicodedata

import pytest

from etl.vnencoding import (
    decode_tcvn3,
    decode_vni,
    detect_legacy,
    detect_legacy_many,
    encode_tcvn3,
    encode_vni,
    fix_column,
    fix_text,
    is_vietnamese_syllable,
)

# Built here from the base vowels and the five tone marks, independently of the module's tables.
_VOWELS = "a ă â e ê i o ô ơ u ư y".split()
_MARKS = ["\u0301", "\u0300", "\u0309", "\u0303", "\u0323"]
LOWER = [unicodedata.normalize("NFC", v + m) for v in _VOWELS for m in _MARKS] + ["ă", "â", "ê", "ô", "ơ", "ư", "đ"]
LETTERS = LOWER + [c.upper() for c in LOWER]
TCVN3_CAPITALS = ["Ă", "Â", "Ê", "Ô", "Ơ", "Ư", "Đ"]

NAMES = [
    "Thành phố Vĩnh Yên", "Thành phố Phúc Yên", "Huyện Lập Thạch", "Huyện Tam Dương", "Huyện Tam Đảo",
    "Huyện Bình Xuyên", "Huyện Yên Lạc", "Huyện Vĩnh Tường", "Huyện Sông Lô", "Xã Đạo Trù",
    "Thị trấn Thổ Tang", "Phường Xuân Hoà", "Không đồng ý (có cam kết)", "Số liệu đến ngày",
]

# Typed from the published code charts (TCVN 5712:1993 VN3; VNI Windows), or quoted from
# third-party converters' examples; none of them comes from this module's encoder.
TCVN3_HANDWRITTEN = {
    "Tam §¶o": "Tam Đảo",
    "Thµnh phè VÜnh Yªn": "Thành phố Vĩnh Yên",
    "HuyÖn VÜnh T\xadêng": "Huyện Vĩnh Tường",
    "X· §¹o Trï": "Xã Đạo Trù",
    "ThÞ trÊn Thæ Tang": "Thị trấn Thổ Tang",
    "Sè liÖu ®Õn ngµy": "Số liệu đến ngày",
    "Céng hoµ x· héi chñ nghÜa ViÖt Nam": "Cộng hoà xã hội chủ nghĩa Việt Nam",
    "§éc lËp - Tù do - H¹nh phóc": "Độc lập - Tự do - Hạnh phúc",
    "B¶o Th¾ng": "Bảo Thắng",
    "M\xadêng Kh\xad¬ng": "Mường Khương",
    "B¸t X¸t": "Bát Xát",
    "Xin chµo c¸c b¹n": "Xin chào các bạn",
    "T«i ®i häc": "Tôi đi học",
}
VNI_HANDWRITTEN = {
    "Tam Ñaûo": "Tam Đảo",
    "Huyeän Vónh Töôøng": "Huyện Vĩnh Tường",
    "Thaønh phoá Vónh Yeân": "Thành phố Vĩnh Yên",
    "Xaõ Ñaïo Truø": "Xã Đạo Trù",
    "Phöôøng Xuaân Hoaø": "Phường Xuân Hoà",
    "Khoâng ñoàng yù (coù cam keát)": "Không đồng ý (có cam kết)",
    "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam": "Cộng hòa xã hội chủ nghĩa Việt Nam",
    "Ñoäc laäp - Töï do - Haïnh phuùc": "Độc lập - Tự do - Hạnh phúc",
    "Xin chaøo caùc baïn": "Xin chào các bạn",
    "Toâi ñi hoïc": "Tôi đi học",
    "HUYEÄN VÓNH TÖÔØNG": "HUYỆN VĨNH TƯỜNG",
}

NOT_LEGACY = [
    "", "Vinh Yen", "Ma xa: 08707", "Hà Tây", "Tây Ninh", "Cà Mau", "à", "ý kiến",
    "Hôtel de Ville", "Café crème", "Noël", "Français", "déjà vu", "garçon", "naïve", "Crème brûlée",
    "Zürich", "München", "Straße", "São Paulo", "João", "señor", "Mañana", "Ángel", "où", "© 2021", "25 °C",
]


def test_letter_list_is_complete():
    assert len(LETTERS) == len(set(LETTERS)) == 134


@pytest.mark.parametrize("letter", LETTERS)
def test_vni_round_trip_every_letter(letter):
    assert decode_vni(encode_vni(letter)) == letter
    assert decode_vni(encode_vni(f"x{letter}x")) == f"x{letter}x"


@pytest.mark.parametrize("letter", LETTERS)
def test_tcvn3_round_trip_every_letter(letter):
    expected = letter if (letter.islower() or letter in TCVN3_CAPITALS) else letter.lower()
    assert decode_tcvn3(encode_tcvn3(letter)) == expected


def test_tcvn3_encodes_toned_capitals_with_lower_case_codes():
    assert encode_tcvn3("Ả") == encode_tcvn3("ả") == "¶"
    assert encode_tcvn3("Đ") == "§" and encode_tcvn3("đ") == "®"


def test_tables_match_the_published_byte_values():
    # TCVN3 bytes as a legacy file stores them, read as Latin-1 the way openpyxl hands them over.
    assert decode_tcvn3(b"Tam \xa7\xb6o".decode("latin-1")) == "Tam Đảo"
    assert decode_tcvn3(b"V\xdcnh Ph\xf3c".decode("latin-1")) == "Vĩnh Phúc"
    assert decode_tcvn3(b"T\xad\xeang".decode("latin-1")) == "Tường"
    assert decode_vni(b"Tam \xd1a\xfbo".decode("latin-1")) == "Tam Đảo"
    assert decode_vni(b"T\xf6\xf4\xf8ng".decode("latin-1")) == "Tường"


@pytest.mark.parametrize("name", NAMES)
def test_unit_names_round_trip(name):
    tcvn3, vni = encode_tcvn3(name), encode_vni(name)
    assert tcvn3 != name and vni != name
    assert detect_legacy(tcvn3) == "tcvn3" and fix_text(tcvn3) == name
    assert detect_legacy(vni) == "vni" and fix_text(vni) == name
    assert detect_legacy(name) is None and fix_text(name) == name


@pytest.mark.parametrize("legacy, unicode", TCVN3_HANDWRITTEN.items())
def test_handwritten_tcvn3(legacy, unicode):
    assert decode_tcvn3(legacy) == unicode
    assert detect_legacy(legacy) == "tcvn3"
    assert fix_text(legacy) == unicode


@pytest.mark.parametrize("legacy, unicode", VNI_HANDWRITTEN.items())
def test_handwritten_vni(legacy, unicode):
    assert decode_vni(legacy) == unicode
    assert detect_legacy(legacy) == "vni"
    assert fix_text(legacy) == unicode


def test_encoders_produce_the_handwritten_forms():
    assert encode_tcvn3("Huyện Vĩnh Tường") == "HuyÖn VÜnh T\xadêng"
    assert encode_tcvn3("Xã Đạo Trù") == "X· §¹o Trï"
    assert encode_vni("Huyện Vĩnh Tường") == "Huyeän Vónh Töôøng"
    assert encode_vni("Thành phố Vĩnh Yên") == "Thaønh phoá Vónh Yeân"


@pytest.mark.parametrize("text", NOT_LEGACY)
def test_not_legacy(text):
    assert detect_legacy(text) is None
    assert fix_text(text) == text


def test_unicode_vietnamese_is_never_legacy():
    assert detect_legacy("Huyện Tam Đảo") is None
    assert detect_legacy("Bồ Đào Nha – “Xuân Hoà”") is None


@pytest.mark.parametrize("text", NAMES + list(TCVN3_HANDWRITTEN) + list(VNI_HANDWRITTEN) + NOT_LEGACY)
def test_fix_text_is_idempotent(text):
    once = fix_text(text)
    assert fix_text(once) == once
    assert once == unicodedata.normalize("NFC", once)


def test_fix_text_normalises_to_nfc_and_passes_non_text_through():
    assert fix_text("Tha\u0300nh pho\u0302\u0301") == "Thành phố"
    assert fix_text(None) is None
    assert fix_text(12.5) == 12.5


def test_syllable_check():
    for word in ["người", "giường", "quốc", "hoà", "hòa", "thuỷ", "thủy", "khuỷu", "nghiêng", "Đắk", "Krông"]:
        assert is_vietnamese_syllable(word), word
    for word in ["hụtel", "tèt", "aọ", "tõý", "cafộ", "lyù"]:
        assert not is_vietnamese_syllable(word), word


def test_fix_column_resolves_cells_that_are_ambiguous_alone():
    # Bare commune names of Vĩnh Phúc. VNI "Tích Sôn" is also valid Unicode, TCVN3 "Tam Phóc" too:
    # alone they stay as they are, in a column typed in one font they are decoded.
    names = ["Tích Sơn", "Tam Sơn", "Bồ Sao", "Trung Mỹ", "Tam Hồng", "Liên Bảo", "Đạo Trù", "Vũ Di",
             "Tam Phúc", "Thổ Tang", "Xuân Hoà"]
    vni = [encode_vni(n) for n in names]
    tcvn3 = [encode_tcvn3(n) for n in names]
    assert fix_text(vni[0]) == vni[0] and fix_text(tcvn3[8]) == tcvn3[8]
    assert detect_legacy_many(vni) == "vni" and fix_column(vni) == names
    assert detect_legacy_many(tcvn3) == "tcvn3" and fix_column(tcvn3) == names
    assert detect_legacy_many(names) is None and fix_column(names) == names
    assert fix_column([None, 3, "ASCII", vni[6]]) == [None, 3, "ASCII", "Đạo Trù"]
    assert fix_column([vni[1]]) == [vni[1]]  # one ambiguous cell is no evidence of a font


def test_fix_column_ignores_a_stray_detection_in_a_unicode_column():
    column = ["Phường Tích Sơn", "Xã Đạo Trù", "Thị trấn Thổ Tang", "Tam Phóc", "Loïc", "Xã Vũ Di"]
    assert detect_legacy_many(column) is None
    assert fix_column(column)[3] == "Tam Phóc"
