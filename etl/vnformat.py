"""Vietnamese number and date formatting: dot thousands, decimal comma, dd/mm/yyyy."""
from __future__ import annotations

import datetime as dt
import math


def fmt_int(value: object) -> str:
    """1151154 -> '1.151.154'; None/NaN -> '–'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{int(round(float(value))):,}".replace(",", ".")


def fmt_num(value: object, decimals: int = 2) -> str:
    """1234.5 -> '1.234,50' (decimals=2)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def fmt_pct(value: object, decimals: int = 2) -> str:
    """99.82 -> '99,82%' (values are already 0–100)."""
    text = fmt_num(value, decimals)
    return text if text == "–" else text + "%"


def fmt_date(value: object) -> str:
    """date/datetime/ISO text -> 'dd/mm/yyyy'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return value.strftime("%d/%m/%Y")


def fmt_datetime(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return value.strftime("%H:%M %d/%m/%Y")
