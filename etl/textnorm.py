"""Text keys for matching headers and unit names regardless of case, diacritics and punctuation."""
from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def strip_diacritics(text: str) -> str:
    """'Thành phố Vĩnh Yên' -> 'Thanh pho Vinh Yen' (đ/Đ become d/D, which NFD does not split)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def norm_key(text: object) -> str:
    """Lower-case ASCII words separated by single spaces: 'Mã  xã' and 'ma_xa' -> 'ma xa'."""
    if text is None:
        return ""
    plain = strip_diacritics(unicodedata.normalize("NFC", str(text))).lower()
    return _NON_ALNUM.sub(" ", plain).strip()
