"""GSO administrative units (2021 list) of one province, and matching of the codes and names
that provincial files write in every possible way ("TP. Vĩnh Yên", "Vinh Yen", 8707.0, "X. Đạo Trù")."""
from __future__ import annotations

import difflib
import functools
import re
from pathlib import Path

import pandas as pd

from etl.textnorm import norm_key
from etl.vnencoding import fix_text

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data/reference/units_gso_2021.csv"
_CODE_WIDTH = {"district": 3, "commune": 5}
# Written prefixes (as norm_key words) -> the GSO type they announce. Abbreviations are the ones
# used in provincial reports; "tx"/"thi xa" may name a unit that became a "Thành phố" since.
_PREFIXES = {
    "district": {"thanh pho": "thanh pho", "tp": "thanh pho", "thi xa": "thi xa", "tx": "thi xa",
                 "huyen": "huyen", "h": "huyen", "quan": "quan", "q": "quan"},
    "commune": {"xa": "xa", "x": "xa", "phuong": "phuong", "p": "phuong", "thi tran": "thi tran",
                "tt": "thi tran"},
}
_PREFIX_ORDER = {level: sorted(table.items(), key=lambda kv: -len(kv[0])) for level, table in _PREFIXES.items()}
_GLUED = re.compile(r"^(q|p)(\d+)\b")  # "Q1", "P12": abbreviation glued to a numbered name
_LEADING_ZEROS = re.compile(r"\b0+(\d)")  # "Phường 01" == "Phường 1"
_CODE_TEXT = re.compile(r"^\s*(\d+)(?:\.0*)?\s*$")
_CACHE_LIMIT = 200_000


class UnknownUnit(ValueError):
    """A code or name that is not a unit of the province (or district), or that names several."""

    def __init__(self, name: object, level: str, suggestions: list[str], message: str):
        super().__init__(message)
        self.name = name
        self.level = level
        self.suggestions = suggestions


def _key(text: object) -> str:
    key = _LEADING_ZEROS.sub(r"\1", norm_key(text))
    return _GLUED.sub(r"\1 \2", key)


def _strip_type(name: str, unit_type: str) -> str:
    """'Thành phố Vĩnh Yên' -> 'Vĩnh Yên'; case-insensitive since the list has 'Thị Trấn Thổ Tang'."""
    words, type_words = name.split(), unit_type.split()
    if norm_key(" ".join(words[: len(type_words)])) == norm_key(unit_type):
        return " ".join(words[len(type_words):]) or name
    return name


def _split_prefix(key: str, level: str) -> tuple[str | None, str]:
    """'tp vinh yen' -> ('thanh pho', 'vinh yen'); no known prefix -> (None, key)."""
    for prefix, type_key in _PREFIX_ORDER[level]:
        if key.startswith(prefix + " "):
            return type_key, key[len(prefix) + 1:]
    return None, key


@functools.lru_cache(maxsize=4)
def _read(path: str) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def provinces(path: Path | None = None) -> pd.DataFrame:
    """province_code, province_name of every province in the list, by code."""
    df = _read(str(path or DEFAULT_PATH))
    out = df[["province_code", "province_name"]].drop_duplicates("province_code")
    return out.sort_values("province_code").reset_index(drop=True)


NATIONAL = "00"


class UnitRegistry:
    """Districts and communes of one province, with cached code/name matching.

    Instances are shared through UnitRegistry.load's cache: treat the DataFrames as read-only.
    """

    def __init__(self, province_code: str, rows: pd.DataFrame, national: pd.DataFrame):
        self.province_code = province_code
        # "00" is the whole country (the national committee's view): every province is a top-level unit
        self.national = province_code == NATIONAL
        self.province_name = "Toàn quốc" if self.national else rows["province_name"].iloc[0]
        self.province_short = re.sub(r"^(Tỉnh|Thành phố)\s+", "", self.province_name)
        d = rows.drop_duplicates("district_code").sort_values("district_code")
        self.districts = pd.DataFrame({
            "district_code": d["district_code"].to_numpy(),
            "district_name": d["district_name"].to_numpy(),
            "district_type": d["district_type"].to_numpy(),
            "district_short": [_strip_type(n, t) for n, t in zip(d["district_name"], d["district_type"])],
            "province_code": d["province_code"].to_numpy(),
        })
        p = rows.drop_duplicates("province_code").sort_values("province_code")
        self.provinces = pd.DataFrame({"province_code": p["province_code"].to_numpy(),
                                       "province_name": p["province_name"].to_numpy()})
        c = rows.sort_values("ward_code")
        self.communes = pd.DataFrame({
            "commune_code": c["ward_code"].to_numpy(),
            "commune_name": c["ward_name"].to_numpy(),
            "commune_type": c["ward_type"].to_numpy(),
            "district_code": c["district_code"].to_numpy(),
            "province_code": c["province_code"].to_numpy(),
        })
        self._national = national
        self._names = {self.province_code: self.province_name}
        self._names.update(zip(self.districts["district_code"], self.districts["district_name"]))
        self._names.update(zip(self.communes["commune_code"], self.communes["commune_name"]))
        self._district_of = dict(zip(self.communes["commune_code"], self.communes["district_code"]))
        # One record per unit: (code, full key, type key, bare key, district code).
        self._units = {
            "district": [(r.district_code, _key(r.district_name), _key(r.district_type), _key(r.district_short),
                          r.district_code) for r in self.districts.itertuples(index=False)],
            "commune": [(r.commune_code, _key(r.commune_name), _key(r.commune_type),
                         _key(_strip_type(r.commune_name, r.commune_type)), r.district_code)
                        for r in self.communes.itertuples(index=False)],
        }
        self._cache: dict[tuple, str | tuple] = {}

    @classmethod
    def load(cls, province_code: str, path: Path | None = None) -> UnitRegistry:
        return _load(str(province_code).strip().zfill(2), str(path or DEFAULT_PATH))

    def __repr__(self) -> str:
        return f"UnitRegistry({self.province_code} {self.province_name}: {len(self.districts)} huyện, {len(self.communes)} xã)"

    def match_district(self, value: object) -> str:
        """3-digit GSO code of a district of the province, from a code or any usual way of writing its name."""
        return self._match("district", value, None)

    def match_commune(self, value: object, district_code: str | None = None) -> str:
        """5-digit GSO code of a commune of the province (of that district when given)."""
        if district_code is not None:
            district_code = (_as_code(district_code) or str(district_code).strip()).zfill(3)
        return self._match("commune", value, district_code)

    def district_of(self, commune_code: str) -> str:
        """3-digit code of the district of a commune of the province (code as text, int or float)."""
        code = (_as_code(commune_code) or "").zfill(5)
        if code not in self._district_of:
            raise self._unknown(commune_code, "commune", None, [])
        return self._district_of[code]

    def name_of(self, code: str) -> str:
        """Full Vietnamese name of the province, a district or a commune from its code."""
        text = (code.strip() if isinstance(code, str) else _as_code(code)) or ""
        for width in (len(text), 5, 3, 2):  # exact text first; unpadded ints by level
            name = self._names.get(text.zfill(width)) if text else None
            if name is not None:
                return name
        raise KeyError(f'mã "{code}" không thuộc {self.province_name}')

    def _match(self, level: str, value: object, district_code: str | None) -> str:
        if value is None or (value.strip() == "" if isinstance(value, str) else pd.isna(value)):
            raise UnknownUnit("", level, [], "Ô trống: thiếu mã hoặc tên đơn vị.")
        cache_key = (level, type(value).__name__, value, district_code)
        hit = self._cache.get(cache_key)
        if hit is None:
            try:
                hit = self._resolve(level, value, district_code)
            except UnknownUnit as exc:
                hit = (exc.name, exc.level, exc.suggestions, str(exc))
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[cache_key] = hit
        if isinstance(hit, tuple):
            name, lvl, suggestions, message = hit
            # A fresh exception each time: re-raising one instance would grow its traceback.
            raise UnknownUnit(name, lvl, list(suggestions), message)
        return hit

    def _resolve(self, level: str, value: object, district_code: str | None) -> str:
        units = [u for u in self._units[level] if district_code is None or u[4] == district_code]
        code = _as_code(value)
        if code is not None:
            code = code.zfill(_CODE_WIDTH[level])
            if any(u[0] == code for u in units):
                return code
            if not isinstance(value, str):
                raise self._unknown(value, level, district_code, [], self._elsewhere(code, level))
        text = fix_text(str(value))
        key = _key(text)
        if not key:
            raise self._unknown(value, level, district_code, [])
        type_key, rest = _split_prefix(key, level)
        found = _find(units, key, type_key, rest)
        if len(found) == 1:
            return found[0][0]
        if len(found) > 1:
            raise self._ambiguous(value, level, district_code, found)
        extra = ""
        if code is not None:
            extra = self._elsewhere(code.zfill(_CODE_WIDTH[level]), level)
        elif district_code is not None:
            # Say so when the name is a unit of another district: the usual mistake in a report.
            other = _find(self._units[level], key, type_key, rest)
            if len(other) == 1:
                u = other[0]
                extra = f"{self._names[u[0]]} ({u[0]}) thuộc {self._names[u[4]]}."
        raise self._unknown(value, level, district_code, self._suggest(units, key, rest), extra)

    def _suggest(self, units: list[tuple], key: str, rest: str) -> list[str]:
        """Up to 3 "Name (code)", closest first, by difflib over the full and the bare keys."""
        best: dict[str, float] = {}
        by_full, by_bare = {}, {}
        for u in units:
            by_full.setdefault(u[1], []).append(u[0])
            by_bare.setdefault(u[3], []).append(u[0])
        for query, table in ((key, by_full), (rest, by_bare)):
            for match in difflib.get_close_matches(query, list(table), n=3, cutoff=0.6):
                ratio = difflib.SequenceMatcher(None, query, match).ratio()
                for code in table[match]:
                    best[code] = max(best.get(code, 0.0), ratio)
        ranked = sorted(best, key=lambda c: (-best[c], c))[:3]
        return [f"{self._names[c]} ({c})" for c in ranked]

    def _scope(self, district_code: str | None) -> str:
        province = self.province_name[0].lower() + self.province_name[1:]
        if district_code and district_code in self._names:
            district = self._names[district_code]
            return f"{district[0].lower() + district[1:]}, {province}"
        return province

    def _unknown(self, name: object, level: str, district_code: str | None, suggestions: list[str],
                 extra: str = "") -> UnknownUnit:
        shown = f"{name:g}" if isinstance(name, float) else name
        message = f'Không tìm thấy đơn vị "{shown}" trong {self._scope(district_code)}.'
        if extra:
            message += f" {extra}"
        if suggestions:
            message += f" Có phải: {', '.join(suggestions)}?"
        return UnknownUnit(name, level, suggestions, message)

    def _ambiguous(self, name: object, level: str, district_code: str | None, found: list[tuple]) -> UnknownUnit:
        listed = [f"{self._names[u[0]]} ({u[0]}" + (f", {self._names[u[4]]})" if level == "commune" else ")")
                  for u in found]
        hint = ("Hãy ghi mã xã hoặc cho biết huyện." if level == "commune"
                else "Hãy ghi mã huyện hoặc ghi rõ loại (Huyện, Thị xã, Thành phố, Quận).")
        message = f'Tên "{name}" trùng {len(found)} đơn vị trong {self._scope(district_code)}: {"; ".join(listed)}. {hint}'
        return UnknownUnit(name, level, [f"{self._names[u[0]]} ({u[0]})" for u in found[:3]], message)

    def _elsewhere(self, code: str, level: str) -> str:
        """Where a code that is not ours (or not in the given district) belongs, for the message."""
        column = "ward_code" if level == "commune" else "district_code"
        hit = self._national[self._national[column] == code]
        if hit.empty:
            return f"Mã {code} không có trong danh mục GSO 2021."
        row = hit.iloc[0]
        if level == "commune":
            return f"Mã {code} là {row['ward_name']} thuộc {row['district_name']}, {row['province_name']}."
        return f"Mã {code} là {row['district_name']} thuộc {row['province_name']}."


def _find(units: list[tuple], key: str, type_key: str | None, rest: str) -> list[tuple]:
    """Units named by the key, trying the strictest reading first; several = ambiguous."""
    steps = (
        lambda u: u[1] == key,  # exact "thanh pho vinh yen"
        lambda u: type_key is not None and u[2] == type_key and u[3] == rest,  # "tp vinh yen"
        lambda u: u[3] == key,  # bare "vinh yen"
        lambda u: type_key is not None and u[3] == rest,  # "tx phuc yen" for a Thành phố
    )
    for step in steps:
        found = [u for u in units if step(u)]
        if found:
            return found
    return []


def _as_code(value: object) -> str | None:
    """Digits of a code given as text, int or Excel float (8707.0); None when value is a name."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if value >= 0 else None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and value >= 0 else None
    m = _CODE_TEXT.match(str(value))
    return m.group(1) if m else None


@functools.lru_cache(maxsize=8)
def _load(province_code: str, path: str) -> UnitRegistry:
    national = _read(path)
    rows = national if province_code == NATIONAL else national[national["province_code"] == province_code]
    if rows.empty:
        raise KeyError(f'không có tỉnh mã "{province_code}" trong {Path(path).name}')
    return UnitRegistry(province_code, rows, national)
