"""Legacy Vietnamese encodings (TCVN3/ABC and VNI Windows) to Unicode and back.

Excel files typed with .VnTime (TCVN3) or VNI-Times fonts store the legacy *bytes*; openpyxl hands
them to us as Latin-1/cp1252 characters, e.g. TCVN3 "Tam §¶o" or VNI "Tam Ñaûo" for "Tam Đảo".

Tables follow the published charts (TCVN 5712:1993 VN3 and VNI Windows), cross-checked against
the open-source converters xvnkb and vietnamese-conversion. TCVN3 "VN3" has no upper-case toned letters: .VnTimeH fonts draw the lower-case codes
as capitals, so those letters are encoded as lower case and decode to lower case.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

# Tone marks in the order the tables below list the toned forms: sắc, huyền, hỏi, ngã, nặng.
_TONES = ("\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
_BASES = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")


def _forms(base: str) -> list[str]:
    return [base] + [unicodedata.normalize("NFC", base + t) for t in _TONES]


# Per base vowel: codes for base, sắc, huyền, hỏi, ngã, nặng (lower case).
_TCVN3_ROWS = {
    "a": "a¸µ¶·¹", "ă": "¨¾»¼½Æ", "â": "©ÊÇÈÉË",
    "e": "eÐÌÎÏÑ", "ê": "ªÕÒÓÔÖ", "i": "iÝ×ØÜÞ",
    "o": "oãßáâä", "ô": "«èåæçé", "ơ": "¬íêëìî",
    "u": "uóïñòô", "ư": "\xadøõö÷ù", "y": "yýúûüþ",
}
# The only capitals VN3 has: the seven untoned Vietnamese-specific letters.
_TCVN3_UPPER = {"Ă": "¡", "Â": "¢", "Ê": "£", "Ô": "¤", "Ơ": "¥", "Ư": "¦", "Đ": "§"}

# VNI: base letter followed by a mark character; i/ơ/ư/đ and ỵ have single-character forms.
_VNI_SIMPLE = ("", "ù", "ø", "û", "õ", "ï")  # a e o u y ơ ư
_VNI_HAT = ("â", "á", "à", "å", "ã", "ä")  # â ê ô (the mark follows the plain vowel)
_VNI_BREVE = ("ê", "é", "è", "ú", "ü", "ë")  # ă
_VNI_ROWS = {
    "a": ["a" + m for m in _VNI_SIMPLE], "ă": ["a" + m for m in _VNI_BREVE],
    "â": ["a" + m for m in _VNI_HAT], "e": ["e" + m for m in _VNI_SIMPLE],
    "ê": ["e" + m for m in _VNI_HAT], "i": ["i", "í", "ì", "æ", "ó", "ò"],
    "o": ["o" + m for m in _VNI_SIMPLE], "ô": ["o" + m for m in _VNI_HAT],
    "ơ": ["ô" + m for m in _VNI_SIMPLE], "u": ["u" + m for m in _VNI_SIMPLE],
    "ư": ["ö" + m for m in _VNI_SIMPLE], "y": ["y", "yù", "yø", "yû", "yõ", "î"],
}


def _build_tables():
    tcvn_enc: dict[str, str] = {"đ": "®", **_TCVN3_UPPER}
    vni_enc: dict[str, str] = {"đ": "ñ", "Đ": "Ñ"}
    for base in _BASES:
        for letter, t_code, v_code in zip(_forms(base), _TCVN3_ROWS[base], _VNI_ROWS[base]):
            if letter.isascii():
                continue
            tcvn_enc[letter] = t_code
            upper = letter.upper()
            tcvn_enc.setdefault(upper, t_code)  # no toned capitals in VN3: use the lower-case code
            vni_enc[letter] = v_code
            vni_enc[upper] = v_code.upper()
    tcvn_dec = {code: letter for letter, code in tcvn_enc.items() if letter.islower() or letter in _TCVN3_UPPER}
    # Strict table: accepting mixed-case pairs ("uÕ") would misread TCVN3 text such as "thuÕ".
    vni_dec = {code: letter for letter, code in vni_enc.items()}
    return tcvn_enc, tcvn_dec, vni_enc, vni_dec


_TCVN3_ENC, _TCVN3_DEC, _VNI_ENC, _VNI_DEC = _build_tables()
_TCVN3_ENC_T = str.maketrans(_TCVN3_ENC)
_TCVN3_DEC_T = str.maketrans(_TCVN3_DEC)
_TCVN3_DROP_T = str.maketrans({c: None for c in _TCVN3_DEC})
_VNI_ENC_T = str.maketrans(_VNI_ENC)
# Two-character codes first so "ôù" (ớ) wins over "ô" (ơ).
_VNI_RE = re.compile("|".join(re.escape(c) for c in sorted(_VNI_DEC, key=len, reverse=True)))

VIETNAMESE_LETTERS = frozenset(
    ch for base in _BASES for form in _forms(base) for ch in (form, form.upper())
) | {"đ", "Đ"}
_CP1252_HIGH = frozenset(bytes(range(0x80, 0xA0)).decode("cp1252", errors="ignore"))
# Non-ASCII characters that ordinary text carries without meaning anything about the encoding.
_NEUTRAL = frozenset("\xa0°«»“”‘’–—…•²³±×≥≤›‹") - set(_TCVN3_DEC)


def encode_tcvn3(text: str) -> str:
    """Unicode -> TCVN3 mojibake as openpyxl would read it ('Tam Đảo' -> 'Tam §¶o')."""
    return unicodedata.normalize("NFC", text).translate(_TCVN3_ENC_T)


def encode_vni(text: str) -> str:
    """Unicode -> VNI Windows mojibake ('Huyện Vĩnh Tường' -> 'Huyeän Vónh Töôøng')."""
    return unicodedata.normalize("NFC", text).translate(_VNI_ENC_T)


def decode_tcvn3(text: str) -> str:
    return unicodedata.normalize("NFC", text.translate(_TCVN3_DEC_T))


def decode_vni(text: str) -> str:
    return unicodedata.normalize("NFC", _VNI_RE.sub(lambda m: _VNI_DEC[m.group()], text))


def _unexplained(rest: str) -> int:
    """Non-ASCII characters a candidate decoding left unconsumed: evidence against it."""
    return sum(1 for ch in rest if not ch.isascii() and ch not in _NEUTRAL)


_TONE_SET = frozenset(_TONES)
_CONS = "bcdđfghjklmnpqrstvwxz"
_NUCLEI = (
    "a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi oo ôi ơi ua uâ uê ui uô "
    "uơ uy ưa ưi ưu ươ yê iêu yêu oai oay oao oeo uây uôi uya uyê uyu ươi ươu"
).split()
# Nuclei ending in a glide or in the open diphthongs ia/ua/ưa take no final consonant; the
# closed diphthongs iê/yê/uô/ươ need one.
_OPEN_ONLY = frozenset(
    "ai ao au ay âu ây eo êu ia iu oi ôi ơi ua ui ưa ưi ưu iêu yêu oai oay oao oeo uây uôi uya uyu ươi ươu".split()
)
_NEED_CODA = frozenset("iê yê uô ươ uyê".split())
_MARKED = frozenset("ăâêôơư")
# Deliberately lenient on consonants (Tây Nguyên names such as "Đắk", "Krông", "Yông", "Chrôh"
# must pass); what it rejects is what wrong decodings produce: two vowel groups, unknown vowel
# clusters, two tones, tones on a glide.
_SYLLABLE_RE = re.compile(
    rf"(?:y|[{_CONS}]{{1,3}})?(?:(?<=g)i|(?<=q)u)?"  # a lone "y" onset only: "Yông", not "Lyù"
    rf"(?P<nuc>{'|'.join(sorted(_NUCLEI, key=len, reverse=True))})"
    r"(?P<coda>ch|ng|nh|[cmnptkhlr])?"
)
# Words are split on spaces, ASCII punctuation, digits and neutral marks only, so legacy symbols
# such as "§", "¶" or the soft hyphen stay inside the word and make it invalid.
_WORD_RE = re.compile("[^\\s\\d!-/:-@\\[-`{-~" + re.escape("".join(sorted(_NEUTRAL))) + "]+")


@functools.lru_cache(maxsize=8192)
def is_vietnamese_syllable(word: str) -> bool:
    """Plausible Vietnamese syllable (old or new tone placement): one vowel group, at most one
    tone, on the right vowel; stop codas never with huyền/hỏi/ngã."""
    word = unicodedata.normalize("NFC", word.lower())
    plain, tone, at = [], None, -1
    for i, ch in enumerate(word):
        parts = unicodedata.normalize("NFD", ch)
        marks = [c for c in parts if c in _TONE_SET]
        if marks:
            if tone is not None or len(marks) > 1:
                return False
            tone, at = marks[0], i
        plain.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_SET)))
    plain_s = "".join(plain)
    m = _SYLLABLE_RE.fullmatch(plain_s)
    if m is None or len(plain_s) != len(word):
        return False
    nuc, coda = m.group("nuc"), m.group("coda") or ""
    if (coda and nuc in _OPEN_ONLY) or (not coda and nuc in _NEED_CODA):
        return False
    if coda in ("nh", "ch") and nuc[-1] not in "aêiy":  # anh ênh inh uynh; no "ônh", "ưch"
        return False
    if tone is None:
        return True
    if coda in ("c", "ch", "p", "t", "k") and tone not in ("\u0301", "\u0323"):
        return False
    pos = at - m.start("nuc")
    marked = [i for i, c in enumerate(nuc) if c in _MARKED]
    if marked:
        return pos == marked[-1]
    if len(nuc) == 1:
        return pos == 0
    if coda:
        return pos == len(nuc) - 1
    if nuc in ("oa", "oe", "uy"):
        return pos in (0, 1)  # hòa/hoà, thủy/thuỷ: both placements are in use
    return pos == (0 if len(nuc) == 2 else 1)


def _word_score(text: str) -> tuple[int, int]:
    """(valid words, plausibility) over the non-ASCII words; ASCII words say nothing either way.

    An invalid word made of letters costs 1 (it may be an odd ethnic or foreign name); one with
    symbols or non-Vietnamese letters ("§¶o", "Thµnh") costs 2.
    """
    good = penalty = 0
    for word in _WORD_RE.findall(text):
        if word.isascii():
            continue
        if is_vietnamese_syllable(word):
            # A lone letter ("©" -> "â") is too weak to count as evidence of an encoding.
            good += len(word) > 1
        elif all(ch.isascii() or ch in VIETNAMESE_LETTERS for ch in word):
            penalty += 1
        else:
            penalty += 2
    return good, good - penalty


def _candidates(text: str):
    yield "tcvn3", decode_tcvn3(text), _unexplained(text.translate(_TCVN3_DROP_T))
    yield "vni", decode_vni(text), _unexplained(_VNI_RE.sub("", text))


def _could_be_legacy(text: str) -> bool:
    # Legacy mojibake only ever holds Latin-1/cp1252 characters; anything else (ả ơ ư đ ế, CJK,
    # combining marks) means the text is already Unicode.
    return not text.isascii() and all(ord(ch) <= 0xFF or ch in _CP1252_HIGH or ch in _NEUTRAL for ch in text)


@functools.lru_cache(maxsize=65536)
def detect_legacy(text: str) -> str | None:
    """'tcvn3', 'vni' or None (Unicode, ASCII, or nothing decodes to convincing Vietnamese)."""
    if not isinstance(text, str) or not _could_be_legacy(text):
        return None
    u_good, u_score = _word_score(text)
    if u_score == u_good:
        return None  # every word reads fine as Unicode ("Hà Tây", "à", "Tây Ninh")
    # A single word made only of ASCII and Vietnamese letters (French "où") needs a decoding that
    # yields letters Latin-1 cannot spell; otherwise it is left alone.
    all_letters = len(_WORD_RE.findall(text)) == 1 and all(
        ch.isascii() or ch in VIETNAMESE_LETTERS for ch in text
    )
    best, best_key = None, (max(u_score, -1), 0)
    for name, decoded, unexplained in _candidates(text):
        good, score = _word_score(decoded)
        score -= 2 * unexplained
        # Tie-break between encodings: more Vietnamese-only letters (outside Latin-1) produced.
        specific = sum(1 for ch in decoded if ord(ch) > 0xFF and ch in VIETNAMESE_LETTERS)
        if good == 0 or (all_letters and specific == 0):
            continue
        # Must beat the Unicode reading outright; ties between encodings go to `specific`.
        if score > best_key[0] or (best is not None and (score, specific) > best_key):
            best, best_key = name, (score, specific)
    return best


_DECODERS = {"tcvn3": decode_tcvn3, "vni": decode_vni}


@functools.lru_cache(maxsize=65536)
def _fix(text: str) -> str:
    nfc = unicodedata.normalize("NFC", text)
    enc = detect_legacy(text)
    if enc is None:
        return nfc
    decoded = _DECODERS[enc](text)
    # Keep fix_text idempotent: a decoding that still looks legacy is not trusted.
    return decoded if detect_legacy(decoded) is None else nfc


def fix_text(text: str) -> str:
    """Decode legacy TCVN3/VNI text to Unicode; always NFC; Unicode input comes back unchanged.

    Non-str values (numbers, None from empty cells) are returned as they are.
    """
    if not isinstance(text, str):
        return text
    if text.isascii():
        return text
    return _fix(text)


def detect_legacy_many(texts: Iterable[object]) -> str | None:
    """The legacy encoding of a batch of cells typed in one file (a column, a sheet), or None.

    Votes of detect_legacy; the winner needs two votes and must outnumber the cells that are
    plainly Unicode (letters such as ả ơ ư đ) three to one, so a stray misdetection in a Unicode
    sheet cannot switch the whole batch.
    """
    votes: Counter[str] = Counter()
    unicode_cells = 0
    for text in texts:
        if not isinstance(text, str) or text.isascii():
            continue
        if _could_be_legacy(text):
            enc = detect_legacy(text)
            if enc is not None:
                votes[enc] += 1
        elif any(ch in VIETNAMESE_LETTERS for ch in text):
            unicode_cells += 1
    if not votes:
        return None
    (enc, n), *rest = votes.most_common()
    if n < 2 or n <= (rest[0][1] if rest else 0) or n < 3 * unicode_cells:
        return None
    return enc


def fix_column(texts: Iterable[object]) -> list:
    """fix_text over a batch of cells typed in one file, using the batch's encoding for cells
    that are ambiguous alone (TCVN3 "An Phó" is also valid Unicode; VNI "An Cö" is also TCVN3).

    Meant for raw cells, once: unlike fix_text it is not guaranteed idempotent.
    """
    texts = list(texts)
    enc = detect_legacy_many(texts)
    out = []
    for text in texts:
        if not isinstance(text, str) or text.isascii():
            out.append(text)
            continue
        if enc is not None and _could_be_legacy(text):
            decoded = _DECODERS[enc](text)
            good, score = _word_score(decoded)
            rest = text.translate(_TCVN3_DROP_T) if enc == "tcvn3" else _VNI_RE.sub("", text)
            if good > 0 and score == good and _unexplained(rest) == 0:
                out.append(decoded)
                continue
        out.append(fix_text(text))
    return out
