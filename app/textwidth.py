"""Width in pixels of a text as Streamlit's tables (st.dataframe, drawn on a canvas by glide-data-grid) draw it, so
that a column can be given exactly the width its longest value needs.

Measured, not estimated: app/glyph_widths.json holds the advance width of every character the tables show (ASCII,
every Vietnamese letter in both cases, the dashes and symbols of the figures) and the kerning of character pairs,
measured once with canvas measureText in Debian's chromium in the grid's own font, 400 14px "Source Sans"
(Streamlit 1.67's --gdg-base-font-style and --gdg-font-family; its files loaded as Streamlit serves them).
bench/measure_glyphs.py measures them again (a new Streamlit or font: rerun it) and prints the checks below.

Headers are drawn in the same font as cells (--gdg-header-font-style is also "400 14px"), so text_px serves both;
header_px adds the arrow Streamlit puts before the title of a sorted column ("↑ Huyện").

Accuracy: the sum of advances alone is within 2.4 px of measureText of a whole string (kerning draws "Tây", "AV",
"Y tế" closer, but "Vĩ", "Tỉ" wider apart: "Tỉnh Vĩnh Phúc" is 0.9 px wider than its advances). With the kerning kept
(every pair that widens, and the pairs that narrow by 0.25 px or more) it is within 1 px of measureText on 33 real
strings of the tables, and never narrower than it but for rounding (0.001 px). SAFETY_PX (1 px) covers that, then
the width is rounded up. The ink of a last glyph may pass its advance by up to 1.6 px ("ĩ"): the cell's padding
(8 px each side) takes it."""
from __future__ import annotations

import functools
import json
import math
import unicodedata
from pathlib import Path

_TABLE = json.loads((Path(__file__).with_name("glyph_widths.json")).read_text(encoding="utf-8"))

FONT: str = _TABLE["font"]  # 400 14px "Source Sans", sans-serif
ADVANCES: dict[str, float] = _TABLE["advances"]
KERNING: dict[str, float] = _TABLE["kerning"]  # "ab": px added between a and b (negative: closer)
FALLBACK_PX: float = max(ADVANCES.values())  # a character never measured counts as the widest one measured ("…")
SAFETY_PX = 1.0
CELL_PADDING_PX: int = _TABLE["cell_horizontal_padding_px"]  # glide-data-grid's cellHorizontalPadding, each side
SORT_ARROW = "↑ "  # Streamlit 1.67 titles a sorted column "↑ <title>" or "↓ <title>" (same width)


@functools.lru_cache(maxsize=4096)
def text_px(text: str) -> int:
    """Pixels `text` takes in the table font (cells and headers): the advances of its characters plus the kerning of
    each adjacent pair, plus SAFETY_PX, rounded up; 0 for the empty string. Text is read in NFC (a letter with its
    tone mark as one character, as the tables show it); a character not in the table counts as FALLBACK_PX."""
    text = unicodedata.normalize("NFC", str(text))
    if not text:
        return 0
    width = sum(ADVANCES.get(c, FALLBACK_PX) for c in text)
    width += sum(KERNING.get(text[i:i + 2], 0.0) for i in range(len(text) - 1))
    return math.ceil(width + SAFETY_PX)


def header_px(title: str) -> int:
    """Pixels a column's header text takes at its widest: the title after the arrow of a sorted column."""
    return text_px(SORT_ARROW + str(title))
