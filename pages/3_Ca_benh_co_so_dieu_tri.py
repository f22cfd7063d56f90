"""Ca bệnh và cơ sở điều trị: the F0 trend with its trailing 7-day average, and the load of every open treatment
facility against its assigned quota (escalate at 1× and 2× the quota, seed 002)."""
import streamlit as st

from app import charts as C
from app import formatting as F
from app import queries as q
from app import widgets as W
from app.frame import frame

f = frame("Ca bệnh và cơ sở điều trị")

st.subheader("F0 mới theo ngày báo cáo")
trend = q.cases_trend(f.snapshot, f.scope, f.as_of, 90)
if trend.empty:
    st.info(f"Chưa có báo cáo ca bệnh đến ngày {F.date(f.as_of)}.")
else:
    last = trend["report_date"].iloc[-1]
    st.caption(f"Tối đa 90 ngày, đến ngày {F.date(last)}; trung bình 7 ngày là trung bình lùi (7 ngày đến hết "
               "ngày đó). "
               f"Nguồn: {F.SOURCES['cases']}; xã chưa báo cáo trong ngày được tính là 0 ca.")
    chart_tab, table_tab = st.tabs(["Biểu đồ", "Bảng số liệu"])
    with chart_tab:
        st.plotly_chart(C.f0_trend(trend), key="f0_trend", config={"displayModeBar": False})
    with table_tab:
        W.table(trend, {"report_date": W.Col("Ngày báo cáo", "date"), "new_f0": W.Col("F0 mới", "int"),
                        "avg7": W.Col("Trung bình 7 ngày (lùi)", "num1"), "active": W.Col("Đang điều trị", "int")},
                key="f0_table", file_name=f"f0_theo_ngay_{f.as_of:%Y%m%d}",
                note=f"F0 mới theo ngày báo cáo, nguồn {F.SOURCES['cases']}")

st.subheader("Tải các cơ sở thu dung, điều trị")
fac = q.facilities(f.snapshot, f.scope, f.as_of)
if fac.empty:
    st.info(f"Chưa có báo cáo hoạt động cơ sở điều trị đến ngày {F.date(f.as_of)}.")
else:
    st.caption(f"Ngày {F.date(fac['status_date'].iloc[0])}; nguồn: {F.SOURCES['facility_status']} và "
               f"{F.SOURCES['facilities']}. So với định mức = đang điều trị ÷ định mức giường được giao; phải chuẩn "
               "bị sẵn sàng gấp đôi định mức. Cơ sở chưa báo cáo trong ngày để trống, không đoán.")
    W.table(fac, {"facility_name": W.Col("Cơ sở"), "district_name": W.Col("Địa bàn"),
                  "occupied": W.Col("Đang điều trị", "int"),
                  "bed_quota": W.Col("Định mức", "int", help="Định mức giường được giao."),
                  "load_vs_quota_pct": W.Col("So với định mức", "pct",
                                             help="Đang điều trị ÷ định mức giường; từ 100% trở lên được tính là vượt định mức."),
                  "beds_ready": W.Col("Giường sẵn sàng", "int"),
                  "occupancy_pct": W.Col("Công suất sử dụng", "pct",
                                         help="Đang điều trị ÷ giường sẵn sàng."),
                  "reported": W.Col("Đã báo cáo", "flag", flag_text="có"),
                  # details for the Excel file: the table on screen keeps what the committee decides on
                  "quota_x2": W.Col("Gấp đôi định mức", "int", screen=False),
                  "tier": W.Col("Tuyến", words=F.TIERS, screen=False),
                  "referred_up": W.Col("Chuyển tuyến trên", "int", screen=False),
                  "staff_on_duty": W.Col("Nhân viên trực", "int", screen=False)},
            key="facility_table", file_name=f"co_so_dieu_tri_{f.as_of:%Y%m%d}",
            note=f"Tải các cơ sở điều trị ngày {F.date(fac['status_date'].iloc[0])}")
