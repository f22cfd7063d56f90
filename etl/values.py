"""One cell's text -> its value, by the kind of its contract column: Vietnamese dates and numbers, units matched to
GSO codes, cohorts, doses, yes/no. Each error is a sentence in Vietnamese naming the value (etl.convert adds the file,
row and column)."""
from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

from etl import contracts as C
from etl.textnorm import norm_key
from etl.units import UnitRegistry
from etl.vnencoding import fix_text

SKIP = "\x00skip"  # marker: a totals row found in a CSV
PROVINCE_WORDS = {"tinh", "kho tinh", "cdc tinh", "so y te", "toan tinh", "trung tam kiem soat benh tat tinh"}
_DATE_DMY = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})")
_DATE_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TIME = re.compile(r"(\d{1,2})\s*[:hg]\s*(\d{2})")
_VN_THOUSANDS = re.compile(r"^-?[0-9]{1,3}([.][0-9]{3})+(,[0-9]+)?$")
_VN_DECIMAL = re.compile(r"^-?[0-9]+,[0-9]+$")
_DIGITS = re.compile(r"^\s*(\d+)(?:\.0*)?\s*$")  # a code as text, or as an Excel float ("8707.0"), as etl.units reads it


@functools.lru_cache(maxsize=8)
def _district_by_commune(registry: UnitRegistry) -> dict[str, str]:
    """Commune code -> its district's code, for the registry's province (registries are shared and read-only)."""
    return dict(zip(registry.communes["commune_code"], registry.communes["district_code"]))


def parse_date(text: str) -> dt.date:
    m = _DATE_ISO.search(text)
    if m:
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    else:
        m = _DATE_DMY.search(text)
        if not m:
            raise ValueError(f'"{text}" không phải là ngày (cần dd/mm/yyyy)')
        d, mo, y = int(m[1]), int(m[2]), int(m[3])
    try:
        value = dt.date(y, mo, d)
    except ValueError:
        raise ValueError(f'"{text}" không phải là ngày hợp lệ') from None
    if not dt.date(2019, 1, 1) <= value <= dt.date(2035, 12, 31):
        raise ValueError(f'ngày "{text}" nằm ngoài khoảng 2019–2035')
    return value


def parse_datetime(text: str) -> dt.datetime:
    day = parse_date(text)
    rest = _DATE_ISO.sub("", _DATE_DMY.sub("", text, count=1), count=1)
    m = _TIME.search(rest)
    hour, minute = (int(m[1]), int(m[2])) if m else (0, 0)
    if hour > 23 or minute > 59:
        raise ValueError(f'"{text}": giờ không hợp lệ')
    return dt.datetime(day.year, day.month, day.day, hour, minute)


def today() -> dt.date:
    """The run date: an event date after it is refused. Tests replace this function to fix the date."""
    return dt.date.today()


def _lookup(table: dict[str, str], text: str, what: str, allowed: str) -> str:
    value = table.get(norm_key(text))
    if value is None:
        raise ValueError(f'"{text}" không phải là {what} (nhận: {allowed})')
    return value


def _parse_dose(text: str) -> str:
    digits = re.sub(r"[^0-9]", "", text.replace(".0", "") if text.endswith(".0") else text)
    if digits not in {"1", "2", "3", "4"}:
        raise ValueError(f'"{text}" không phải là mũi tiêm 1–4')
    return digits


class Parser:
    """Parses the distinct values of one column of one file."""

    def __init__(self, column: C.Column, registry: UnitRegistry, district_code: str | None, anchor: bool):
        self.column = column
        self.registry = registry
        self.district_code = district_code
        self.anchor = anchor
        self.run_day = today() if column.event_date else None

    def __call__(self, text: str, district_code: str | None = None) -> str:
        """district_code: the district the row's own district column names, for a commune."""
        kind = self.column.kind
        if self.anchor and norm_key(text) in C.TOTAL_ROW_KEYS:
            return SKIP
        if kind == C.COMMUNE:
            district = district_code or self.district_code
            m = _DIGITS.match(text)
            if m is not None and (district is None or len(district) == 3):
                # A code of the province (of the district when one is named) is itself: the registry's search, which
                # walks every commune for each value, is kept for names and for codes that are not (their messages).
                code = m.group(1).zfill(5)
                found = _district_by_commune(self.registry).get(code)
                if found is not None and (district is None or found == district):
                    return code
            return self.registry.match_commune(fix_text(text), district_code=district)
        if kind in (C.DISTRICT, C.COMMUNE_DISTRICT):
            return self.registry.match_district(fix_text(text))
        if kind in (C.STORE, C.UNIT_ANY):
            if norm_key(fix_text(text)) in PROVINCE_WORDS or norm_key(text) == self.registry.province_code:
                return self.registry.province_code
            return self.registry.match_district(fix_text(text))
        if kind == C.DATE:
            day = parse_date(text)
            self._not_after_run_day(day)
            return day.isoformat()
        if kind == C.DATETIME:
            moment = parse_datetime(text)
            self._not_after_run_day(moment.date())
            return moment.isoformat(sep=" ")
        if kind == C.COHORT:
            return _lookup(C.COHORT_BY_KEY, text, "nhóm tuổi", "18+, 12-17, 5-11")
        if kind == C.DOSE:
            return _parse_dose(text)
        if kind == C.YESNO:
            key = norm_key(text)
            if key in C.YES:
                return "true"
            if key in C.NO:
                return "false"
            raise ValueError(f'"{text}" không phải Có/Không')
        if kind == C.POP_VERSION:
            return _lookup(C.POP_VERSION_BY_KEY, text, "phiên bản dân số", "đầu kỳ, hiện có")
        if kind == C.TIER:
            return _lookup(C.TIER_BY_KEY, text, "tuyến", "tuyến tỉnh, tuyến huyện, tuyến trên, tuyến xã")
        if kind == C.TEXT:
            return unicodedata.normalize("NFC", fix_text(text))
        raise AssertionError(kind)

    def _not_after_run_day(self, day: dt.date) -> None:
        if self.run_day is not None and day > self.run_day:
            raise ValueError(
                f"ngày {day:%d/%m/%Y} ở sau ngày chạy ({self.run_day:%d/%m/%Y}): số liệu không thể có cho một ngày "
                "chưa đến (gõ nhầm năm, tháng?)")


def parse_int(text: str) -> int:
    """Vietnamese number text -> int, the same reading as _int_sql (a test holds them together)."""
    v = text.replace(" ", "").replace("\xa0", "")
    if "." not in v and "," not in v:
        try:
            return int(v)
        except ValueError:
            raise ValueError(f'"{text}" không phải là số nguyên') from None
    if _VN_THOUSANDS.match(v):
        v = v.replace(".", "").replace(",", ".")
    elif _VN_DECIMAL.match(v):
        v = v.replace(",", ".")
    try:
        number = float(v)
    except ValueError:
        raise ValueError(f'"{text}" không phải là số nguyên') from None
    if not number.is_integer():
        raise ValueError(f'"{text}" không phải là số nguyên')
    return int(number)
