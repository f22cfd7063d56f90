"""Vắc xin tồn kho: doses on hand by product, by store and by lot, soonest expiry first; the doses projected to expire
unused (first-expiry-first-out over the province store and the district stores, at the trailing 7-day pace), days of
stock, the wastage rate, and the ledger rows whose count on hand disagrees with the running balance."""
import streamlit as st

from app import formatting as F
from app import stockdata as SD
from app import widgets as W
from app.frame import PAGE, frame

f = frame("Vắc xin tồn kho")

SRC = F.SOURCES["stock"]
summary = SD.stock_summary(f.snapshot, f.scope, f.as_of)
if summary.empty:
    st.info(f"Chưa có sổ theo dõi vắc xin đến ngày {F.date(f.as_of)}.")
    st.stop()
day = F.date(summary["ledger_date"].iloc[0])
st.caption(f"Ngày ghi sổ {day}; nguồn: {SRC} của kho tỉnh và kho các huyện trong phạm vi xem (kho tỉnh phục vụ mọi "
           "huyện). Liều còn hạn = số tồn đếm gần nhất của các lô chưa hết hạn (nếu chưa có, hoặc số đếm âm, thì số dư "
           f"sổ sách). {SD.PACE_TEXT}")
PACE_HELP = F.source_help("stock", summary["ledger_date"].iloc[0], "7 ngày", SD.PACE_TEXT)
RISK_HELP = F.source_help("stock", summary["ledger_date"].iloc[0], None, SD.AT_RISK_TEXT)
DAYS_HELP = F.source_help("stock", summary["ledger_date"].iloc[0], "số liều tiêm trung bình mỗi ngày (7 ngày)",
                          SD.DAYS_TEXT)
WASTE_HELP = F.source_help("stock", summary["ledger_date"].iloc[0], "số liều đã dùng = đã tiêm + hủy", SD.WASTAGE_TEXT)

st.subheader("Theo loại vắc xin")
held = summary[summary["on_hand"] > 0]
W.table(held, {"product": W.Col("Vắc xin"), "on_hand": W.Col("Liều còn hạn", "int"),
               "on_hand_province": W.Col("Tại kho tỉnh", "int"),
               "soonest_expiry": W.Col("Hạn gần nhất", "date", help="Hạn dùng sớm nhất của các lô còn liều."),
               "doses_at_risk": W.Col("Có nguy cơ hủy", "int", help=RISK_HELP),
               "districts_7d_avg_administered": W.Col("Huyện tiêm/ngày", "num1", help=PACE_HELP),
               "province_days_of_stock": W.Col("Kho tỉnh đủ (ngày)", "num1", help=DAYS_HELP),
               "districts_days_of_stock": W.Col("Kho huyện đủ (ngày)", "num1", help=DAYS_HELP)},
        key="stock_products", file_name=f"ton_kho_theo_vac_xin_{f.as_of:%Y%m%d}", note=f"Tồn kho ngày {day}; nguồn {SRC}",
        row_key=("product",))
for status, says in SD.IDLE_PRODUCTS.items():
    products = held[held["districts_pace_status"] == status]["product"]
    if not products.empty:
        st.caption(F.md(says.format(products=", ".join(products))))
st.caption("Liều có nguy cơ hủy ở kho tỉnh giả định các lô của kho tỉnh được chia cho các huyện theo sức tiêm còn trống "
           "của từng huyện trước hạn dùng. Cách chia cụ thể (theo nhu cầu, tốc độ tiêm và đối tượng được dùng), so với "
           "chia theo dân số, ở trang Phân bổ vắc xin.")
st.page_link(PAGE["Phân bổ vắc xin"], label="→ Đề xuất phân bổ các lô của kho tỉnh cho các huyện")

st.subheader("Theo kho")
stores = SD.stock_stores(f.snapshot, f.scope, f.as_of)
stores = stores.assign(pace_note=stores["pace_status"].map(SD.PACE_WORDS))
W.table(stores, {"store_name": W.Col("Kho"), "product": W.Col("Vắc xin"), "on_hand": W.Col("Liều còn hạn", "int"),
                 "served_7d_avg_administered": W.Col("Tiêm/ngày (7 ngày)", "num1", help=PACE_HELP),
                 "pace_note": W.Col("Ghi chú", help="Kho chưa từng ghi liều đã tiêm của vắc xin này (kho tỉnh: chưa "
                                                    "huyện nào), hoặc không tiêm trong 7 ngày qua."),
                 "days_of_stock": W.Col("Đủ dùng (ngày)", "num1", help=DAYS_HELP),
                 "doses_at_risk": W.Col("Có nguy cơ hủy", "int", help=RISK_HELP),
                 "soonest_expiry": W.Col("Hạn dùng gần nhất", "date", screen=False),
                 "lots_on_hand": W.Col("Số lô còn hạn", "int", screen=False),
                 "lots_count_disagrees": W.Col("Số lô có số đếm lệch sổ", "int", screen=False),
                 "administered_to_date": W.Col("Đã tiêm từ đầu sổ", "int", screen=False),
                 "wasted_to_date": W.Col("Hủy từ đầu sổ", "int", screen=False),
                 "wasted_expired_to_date": W.Col("Trong đó hủy do hết hạn", "int", screen=False),
                 "wastage_rate_pct": W.Col("Tỷ lệ hủy (%)", "pct", screen=False)},
        key="stock_stores", file_name=f"ton_kho_theo_kho_{f.as_of:%Y%m%d}", max_rows=10,
        note=f"Tồn kho theo kho ngày {day}; nguồn {SRC}", row_key=("store_code", "product"))


# A fragment: the toggle reruns only the lots table, not the page.
@st.fragment
def lots_table() -> None:
    only_risk = st.toggle("Chỉ các lô có nguy cơ hết hạn chưa dùng", key="stock_only_risk")
    lots = SD.stock_lots(f.snapshot, f.scope, f.as_of, only_at_risk=only_risk)
    # the lots at risk are part of the stock: said so, beside every lot's doses
    part = W.Extract("dòng (lô × kho)", "chỉ các lô có nguy cơ hết hạn chưa dùng", ("on_hand", "liều còn hạn"),
                     whole=SD.stock_lots(f.snapshot, f.scope, f.as_of)) if only_risk else None
    W.table(lots, {"store_name": W.Col("Kho"), "product": W.Col("Vắc xin"), "lot": W.Col("Số lô"),
                   "expiry_date": W.Col("Hạn dùng", "date"), "days_to_expiry": W.Col("Còn hạn (ngày)", "int"),
                   "on_hand": W.Col("Liều còn", "int"), "days_of_stock": W.Col("Đủ dùng (ngày)", "num1", help=DAYS_HELP),
                   "doses_at_risk": W.Col("Có nguy cơ hủy", "int", help=RISK_HELP),
                   "count_disagrees": W.Col("Số đếm lệch sổ", "flag", flag_text="lệch",
                                            help="Số tồn đếm gần nhất âm hoặc khác số dư sổ sách; xem bảng cuối trang."),
                   "counted_on_hand": W.Col("Số đếm thực tế", "int", screen=False),
                   "closing_balance": W.Col("Số dư sổ sách", "int", screen=False),
                   "served_7d_avg_administered": W.Col("Tiêm/ngày (7 ngày)", "num1", screen=False)},
            key="stock_lots", file_name=f"ton_kho_theo_lo_{f.as_of:%Y%m%d}", max_rows=15,
            note=f"Tồn kho theo lô ngày {day}; nguồn {SRC}", extract=part, row_key=("store_code", "product", "lot"))


st.subheader("Theo lô, hạn dùng gần nhất trước")
lots_table()

st.subheader("Hủy vắc xin")
st.caption(f"Đến ngày {day}; nguồn: {SRC} của kho tỉnh và kho các huyện trong phạm vi xem. {SD.WASTAGE_TEXT}")
W.table(summary, {"product": W.Col("Vắc xin"), "administered_to_date": W.Col("Đã tiêm", "int"),
                  "wasted_to_date": W.Col("Hủy", "int"),
                  "wasted_expired_to_date": W.Col("Trong đó do hết hạn", "int"),
                  "wastage_rate_pct": W.Col("Tỷ lệ hủy", "pct", help=WASTE_HELP)},
        key="stock_wastage", file_name=f"huy_vac_xin_{f.as_of:%Y%m%d}",
        note=f"Hủy vắc xin từ đầu sổ đến ngày {day}; nguồn {SRC}", row_key=("product",))

st.subheader("Số tồn ghi trong sổ lệch số dư sổ sách")
flags = SD.stock_count_flags(f.snapshot, f.scope, f.as_of)
if flags.empty:
    st.caption(f"Không dòng sổ nào đến ngày {F.date(f.as_of)} có số tồn âm hoặc khác số dư sổ sách.")
else:
    st.caption(f"Dòng sổ đến ngày {F.date(f.as_of)}, mới nhất trước. Số dư sổ sách = nhập − xuất − đã tiêm − hủy cộng "
               "dồn từ dòng đầu tiên của lô tại kho. Số đếm âm là lỗi (kiểm tra «Tồn kho vắc xin âm»): trang dùng số dư "
               "sổ sách thay cho nó; số đếm không âm mà khác số dư (kiểm tra «Tồn kho ghi trong sổ vắc xin khác số dư sổ "
               "sách») thì trang dùng số đếm.")
    W.table(flags, {"ledger_date": W.Col("Ngày", "date"), "store_name": W.Col("Kho"), "product": W.Col("Vắc xin"),
                    "lot": W.Col("Số lô"), "counted": W.Col("Tồn ghi trong sổ", "int"),
                    "closing_balance": W.Col("Số dư sổ sách", "int"),
                    "count_minus_balance": W.Col("Chênh lệch", "int"),
                    "negative": W.Col("Số đếm âm", "flag", flag_text="âm")},
            key="stock_count_flags", file_name=f"so_ton_lech_so_du_{f.as_of:%Y%m%d}", max_rows=8,
            note=f"Dòng sổ vắc xin có số tồn lệch số dư sổ sách, đến ngày {F.date(f.as_of)}; nguồn {SRC}",
            row_key=("ledger_date", "store_code", "product", "lot"))
