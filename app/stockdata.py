"""Vaccine stock from the warehouse: the stock page and the overview ask here (app/sql/stock_*.sql through the query
layer, cached and narrowed to the viewer's scope like every query of app.queries).

Definitions (docs/marts.md): usable doses are the unexpired lots' count on hand (the running balance where the count
is missing or negative); the pace is the trailing 7-day average of doses administered (the 7 days ending on the
ledger date), one window for days of stock and for expiry risk; doses at risk are projected first-expiry-first-out
over both levels: each district uses its own stock first, and the province store's lots serve what the districts can
still administer before each expiry, never counted twice. The province store's lots serve every district of the
province, whoever looks: it is shown beside the districts in scope.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from app.memo import cached
from app.queries import Scope, _query

# pace_status of marts.stock_by_store and marts.stock_by_lot, as the page says it
PACE_WORDS = {"no_history": "chưa có số liệu tiêm", "idle": "không tiêm trong 7 ngày", "active": ""}
# What the stock page says under its table by product of a product no district in scope is administering
IDLE_PRODUCTS = {
    "no_history": ("Chưa có số liệu tiêm ở huyện nào trong phạm vi xem: {products} — chưa có tốc độ tiêm để tính số "
                   "ngày đủ dùng, chưa dự báo được liều nào sẽ được dùng: mọi liều còn hạn được tính là có nguy cơ hủy."),
    "idle": ("Không huyện nào trong phạm vi xem tiêm trong 7 ngày qua: {products} — tốc độ tiêm bằng 0, không tính được "
             "số ngày đủ dùng; mọi liều còn hạn đều có nguy cơ hủy nếu không huyện nào tiêm lại."),
}
# The definitions the stock page and the overview both state beside the figures (one figure, one definition).
PACE_TEXT = ("Tốc độ tiêm: số liều đã tiêm trung bình mỗi ngày trong 7 ngày đến ngày ghi sổ (trung bình lùi), theo sổ "
             "vắc xin của kho; kho tỉnh không tự tiêm, số liều của kho tỉnh phục vụ tốc độ tiêm của mọi huyện trong tỉnh.")
AT_RISK_TEXT = ("Liều có nguy cơ hết hạn chưa dùng: dự báo theo tốc độ tiêm 7 ngày gần nhất, lô hết hạn trước dùng trước, "
                "trên cả hai cấp: mỗi huyện dùng kho của mình trước; lô của kho tỉnh chỉ được tính vào phần các huyện còn "
                "tiêm được trước hạn dùng của lô sau khi dùng kho mình, nên không liều nào được tính hai lần. Kho chưa có "
                "số liệu tiêm thì không dự báo được liều nào được dùng.")
DAYS_TEXT = ("Đủ dùng (ngày): liều còn hạn ÷ số liều tiêm mỗi ngày (trung bình 7 ngày) mà số liều đó phục vụ: kho huyện "
             "theo tốc độ tiêm của huyện, kho tỉnh theo tốc độ tiêm của mọi huyện trong tỉnh. Để trống khi tốc độ bằng 0 "
             "hoặc chưa có số liệu tiêm.")
WASTAGE_TEXT = ("Tỷ lệ hủy (WHO, DHIS2): số liều hủy ÷ số liều đã dùng (đã tiêm + hủy) × 100, từ dòng sổ đầu tiên của "
                "kho đến ngày ghi sổ; hủy do hết hạn là số liều hủy từ ngày hết hạn của lô trở đi.")


@cached
def stock_summary(snapshot: str, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """One row per product: doses, at risk, pace and days of stock at both levels, wastage from the first ledger row."""
    return _query(snapshot, "stock_summary", scope=scope, as_of=as_of)


@cached
def stock_overview(snapshot: str, scope: Scope, as_of: dt.date) -> dict | None:
    """Doses on hand and at risk over the scope, and the lot that expires first; None before any ledger."""
    frame = _query(snapshot, "stock_overview", scope=scope, as_of=as_of)
    return None if frame.empty else frame.iloc[0].to_dict()


@cached
def stock_stores(snapshot: str, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """One row per store × product: doses, pace (or why there is none), days of stock, at risk, wastage rate."""
    return _query(snapshot, "stock_stores", scope=scope, as_of=as_of)


@cached
def stock_lots(snapshot: str, scope: Scope, as_of: dt.date, only_at_risk: bool = False) -> pd.DataFrame:
    return _query(snapshot, "stock_lots", scope=scope, as_of=as_of, only_at_risk=only_at_risk)


@cached
def stock_count_flags(snapshot: str, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """Ledger rows to the date whose count on hand is negative or differs from the running balance, latest first."""
    return _query(snapshot, "stock_count_flags", scope=scope, as_of=as_of)
