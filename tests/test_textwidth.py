"""app.textwidth: widths from the measured glyph table, checked by hand against its numbers (no browser, no server:
bench/measure_glyphs.py measures the table and compares it with whole strings in chromium)."""
import math

from app import textwidth as T

DIGIT = T.ADVANCES["0"]


def test_the_table_is_the_grid_font_with_every_vietnamese_letter():
    assert T.FONT == '400 14px "Source Sans", sans-serif'
    letters = "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
    for c in letters + letters.upper() + "–—×≥≤…%/()·\"" + "".join(chr(i) for i in range(0x20, 0x7F)):
        assert c in T.ADVANCES, c
    assert T.CELL_PADDING_PX == 8


def test_digits_share_one_advance_and_add_up():
    assert {T.ADVANCES[d] for d in "0123456789"} == {DIGIT}
    assert 6.9 < DIGIT < 7.0
    assert T.text_px("0000") == math.ceil(4 * DIGIT + T.SAFETY_PX)
    dot, comma, pct = T.ADVANCES["."], T.ADVANCES[","], T.ADVANCES["%"]
    assert T.text_px("1.151.154") == math.ceil(7 * DIGIT + 2 * dot + T.SAFETY_PX)
    assert T.text_px("99,82%") == math.ceil(4 * DIGIT + comma + pct + T.SAFETY_PX)


def test_vietnamese_words_are_narrower_than_the_old_estimate():
    for text in ("Thiếu tại ngày hạn (người)", "có nguy cơ trễ hạn", "chưa nộp (quá hạn 12 ngày)",
                 "Thành phố Vĩnh Yên"):
        assert T.text_px(text) < math.ceil(len(text) * 7.2), text
    # measureText of the whole string in chromium (bench/measure_glyphs.py): 151.515 px, 106.143 px
    assert T.text_px("Thiếu tại ngày hạn (người)") in (153, 154)
    assert T.text_px("có nguy cơ trễ hạn") in (108, 109)


def test_kerning_that_widens_is_counted():
    # "Vĩ" is drawn 0.89 px wider apart than its two advances: the width is never below the drawn one
    assert T.KERNING["Vĩ"] > 0.8
    plain = T.ADVANCES["V"] + T.ADVANCES["ĩ"]
    assert T.text_px("Vĩ") == math.ceil(plain + T.KERNING["Vĩ"] + T.SAFETY_PX)
    assert T.text_px("Tỉnh Vĩnh Phúc") >= 88.181 + 1  # measureText 88.181 px, with the safety margin


def test_unknown_characters_count_as_the_widest_glyph():
    assert T.FALLBACK_PX == max(T.ADVANCES.values())
    assert T.text_px("漢") == math.ceil(T.FALLBACK_PX + T.SAFETY_PX)
    assert T.text_px("0漢") == math.ceil(DIGIT + T.FALLBACK_PX + T.SAFETY_PX)


def test_empty_text_and_decomposed_letters():
    assert T.text_px("") == 0
    decomposed = "Vi\u0303nh Pha\u0301t"  # NFD, as some sources spell it: the same width as the composed letters
    assert T.text_px(decomposed) == T.text_px("Vĩnh Phát")


def test_a_header_leaves_room_for_the_sort_arrow():
    assert T.header_px("Huyện") == T.text_px("↑ Huyện") > T.text_px("Huyện")
    assert T.text_px("↑ Huyện") == T.text_px("↓ Huyện")
