"""Vắc xin tồn kho: doses on hand by product and by lot, soonest expiry first, and the doses that will expire unused
at each store's current pace (first-expiry-first-out)."""
import streamlit as st

from app import formatting as F
from app import queries as q
from app import widgets as W
from app.frame import frame

f = frame("Vắc xin tồn kho")

summary = q.stock_summary(f.snapshot, f.scope, f.as_of)
if summary.empty:
    st.info(f"Chưa có sổ theo dõi vắc xin đến ngày {F.date(f.as_of)}.")
    st.stop()
day = F.date(summary["ledger_date"].iloc[0])
st.caption(f"Ngày {day}; nguồn: {F.SOURCES['stock']} của kho tỉnh và kho các huyện trong phạm vi xem. Liều còn hạn "
           "= số đếm thực tế gần nhất (nếu chưa có thì số dư sổ sách). Liều có nguy cơ hết hạn chưa dùng: với tốc độ "
           "tiêm trung bình 7 ngày của từng kho, lô hết hạn trước được dùng trước.")
st.subheader("Theo loại vắc xin")
W.table(summary, {"product": W.Col("Vắc xin"), "on_hand": W.Col("Liều còn hạn", "int"),
                  "soonest_expiry": W.Col("Hạn dùng gần nhất", "date"),
                  "doses_at_risk": W.Col("Liều có nguy cơ hết hạn chưa dùng", "int"),
                  "avg7_administered": W.Col("Liều tiêm trung bình/ngày (7 ngày)", "num1")},
        key="stock_products", file_name=f"ton_kho_theo_vac_xin_{f.as_of:%Y%m%d}", note=f"Tồn kho ngày {day}",
        row_key=("product",))

# A fragment: the toggle reruns only the lots table, not the page.
@st.fragment
def lots_table() -> None:
    only_risk = st.toggle("Chỉ các lô có nguy cơ hết hạn chưa dùng", key="stock_only_risk")
    lots = q.stock_lots(f.snapshot, f.scope, f.as_of, only_at_risk=only_risk)
    # the lots at risk are part of the stock: said so, beside every lot's doses
    part = W.Extract("dòng (lô × kho)", "chỉ các lô có nguy cơ hết hạn chưa dùng", ("on_hand", "liều còn hạn"),
                     whole=q.stock_lots(f.snapshot, f.scope, f.as_of)) if only_risk else None
    W.table(lots, {"store_name": W.Col("Kho"), "product": W.Col("Vắc xin"), "lot": W.Col("Số lô"),
                   "expiry_date": W.Col("Hạn dùng", "date"), "days_to_expiry": W.Col("Còn hạn (ngày)", "int"),
                   "on_hand": W.Col("Liều còn", "int"), "days_of_stock": W.Col("Đủ dùng (ngày)", "num1"),
                   "doses_at_risk": W.Col("Có nguy cơ hủy", "int"),
                   "counted_on_hand": W.Col("Số đếm thực tế", "int"), "closing_balance": W.Col("Số dư sổ sách", "int",
                                                                                                screen=False)},
            key="stock_lots", file_name=f"ton_kho_theo_lo_{f.as_of:%Y%m%d}", max_rows=15,
            note=f"Tồn kho theo lô ngày {day}", extract=part, row_key=("store_code", "product", "lot"))


st.subheader("Theo lô, hạn dùng gần nhất trước")
lots_table()
