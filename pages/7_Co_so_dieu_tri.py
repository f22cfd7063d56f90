"""Cơ sở thu dung, điều trị: beds ready per district against the assigned quota and twice the quota (seed 002: "lên
gấp đôi so với định mức được giao"), the flow of patients, the upper-level hospitals apart, every facility, mobile
health stations and community COVID teams, and commune health stations found without staff on duty."""
import streamlit as st

from app import charts as C
from app import formatting as F
from app import queries as q
from app import widgets as W
from app.frame import frame, one_province

f = frame("Cơ sở thu dung, điều trị")
scope, where = one_province(f, "fac_province")
SRC = f"{F.SOURCES['facility_status']} và {F.SOURCES['facilities']}"

st.subheader("Giường sẵn sàng so với định mức theo huyện")
dist = q.facility_districts(f.snapshot, scope, f.as_of)
if dist.empty:
    st.info(f"Chưa có báo cáo hoạt động cơ sở điều trị đến ngày {F.date(f.as_of)}.")
else:
    day = dist["status_date"].iloc[0]
    below = dist[dist["beds_ready_below_2x_quota"] == True]  # noqa: E712  (NULL = no quota or no report)
    if not below.empty:
        st.warning("Giường sẵn sàng chưa đạt gấp đôi định mức được giao ở: "
                   f"{', '.join(F.md(name) for name in below['unit_name'])}.")
    st.caption(f"Ngày {F.date(day)} (ngày trạng thái gần nhất đến ngày {F.date(f.as_of)}); cơ sở của huyện, không "
               f"gồm tuyến trên. Nguồn: {SRC}. Công suất = đang điều trị ÷ giường sẵn sàng; mức cảnh báo theo đang "
               "điều trị ÷ định mức (gần định mức từ 80%, vượt khi trên 100%, vượt 2 lần khi trên 200%). Số ngày đến khi đầy = "
               "giường trống ÷ số người bệnh tăng thêm trung bình 7 ngày.")
    shown = dist.assign(days_text=dist["days_until_full"].map(F.days_until_full))
    map_tab, chart_tab, table_tab = st.tabs(["Bản đồ công suất", "Biểu đồ giường", "Bảng số liệu"])
    with map_tab:
        W.district_map(dist, q.district_shapes(f.snapshot, scope), "occupancy",
                       ("Đang điều trị", "Giường sẵn sàng", "Công suất sử dụng giường"), "occupancy_map",
                       f"Công suất = người bệnh đang điều trị ÷ giường sẵn sàng của các cơ sở tỉnh, huyện đóng trên "
                       f"địa bàn huyện, ngày {F.date(day)}. Màu càng đậm càng đầy; huyện gạch xám: không có cơ sở đang hoạt động hoặc chưa "
                       "báo cáo.", f.meta["geo_missing_reason"])
    with chart_tab:
        W.chart(C.stacked_bars, dist, "unit_name", {"beds_ready": "Giường sẵn sàng", "bed_quota": "Định mức được giao",
                                                    "quota_x2": "Gấp đôi định mức"},
                f"Giường theo huyện, ngày {F.date(day)}", stacked=False, x_title="Số giường", key="beds_chart")
    with table_tab:
        W.table(shown, {"unit_name": W.Col("Huyện"), "beds_ready": W.Col("Giường sẵn sàng", "int"),
                        "bed_quota": W.Col("Định mức", "int", help="Định mức giường được giao."),
                        "quota_x2": W.Col("Gấp đôi định mức", "int", screen=False),
                        "occupied": W.Col("Đang điều trị", "int"),
                        "occupancy_pct": W.Col("Công suất (%)", "pct", help="Đang điều trị ÷ giường sẵn sàng."),
                        "days_text": W.Col("Đến khi đầy", help="Theo số người bệnh tăng thêm trung bình 7 ngày."),
                        "escalation": W.Col("Mức cảnh báo", words=F.ESCALATION),
                        "beds_ready_below_2x_quota": W.Col(
                            "Dưới gấp đôi", "flag", flag_text="chưa đủ",
                            help="Giường sẵn sàng chưa đủ gấp đôi định mức được giao."),
                        "days_until_full": W.Col("Số ngày đến khi đầy", "num1", screen=False),
                        "free_beds": W.Col("Giường trống", "int", screen=False),
                        "facilities_open": W.Col("Cơ sở đang hoạt động", "int", screen=False)},
                key="facility_districts", file_name=f"giuong_theo_huyen_{day:%Y%m%d}",
                note=f"Giường sẵn sàng so với định mức theo huyện, ngày {F.date(day)}; nguồn {SRC}")

st.subheader("Tiếp nhận, ra viện, chuyển tuyến trên: 60 ngày")
district_names = dict(zip(dist["district_code"], dist["unit_name"], strict=True)) if not dist.empty else {}
flow_district = st.columns([2, 3])[0].selectbox("Cơ sở của", [None, *district_names], key="flow_district",
                                               format_func=lambda c: "toàn tỉnh (cơ sở của tỉnh và các huyện)"
                                               if c is None else district_names[c])
flow_where = district_names[flow_district] if flow_district else f"{where} (cơ sở của tỉnh và các huyện)"
flow = q.facility_flow(f.snapshot, scope, f.as_of, 60, flow_district)
if flow.empty:
    st.info(f"Chưa có báo cáo hoạt động cơ sở điều trị đến ngày {F.date(f.as_of)}.")
else:
    st.caption(f"{F.md(flow_where)}, theo ngày báo cáo, tối đa 60 ngày đến ngày "
               f"{F.date(flow['status_date'].iloc[-1])}. Nguồn: {SRC}; ngày không cơ sở nào báo cáo để trống.")
    chart_tab, table_tab = st.tabs(["Biểu đồ", "Bảng số liệu"])
    with chart_tab:
        W.chart(C.facility_flow, flow, key="flow_chart")
    with table_tab:
        W.table(flow, {"status_date": W.Col("Ngày báo cáo", "date"), "admissions": W.Col("Tiếp nhận", "int"),
                       "discharges": W.Col("Ra viện", "int"), "referred_up": W.Col("Chuyển tuyến trên", "int"),
                       "occupied": W.Col("Đang điều trị", "int")},
                key="facility_flow", file_name=f"tiep_nhan_ra_vien_{flow_district or 'tinh'}_{f.as_of:%Y%m%d}",
                note=f"Tiếp nhận, ra viện, chuyển tuyến trên theo ngày báo cáo, {flow_where}; nguồn {SRC}")

st.subheader("Bệnh viện tuyến trên")
upper = q.facility_upper(f.snapshot, scope, f.as_of)
if upper.empty:
    st.info("Bản dữ liệu không có bệnh viện tuyến trên đang hoạt động trong ngày này.")
else:
    st.caption(f"Ngày {F.date(upper['status_date'].iloc[0])}; tách riêng để không gây quá tải tuyến trên. Người bệnh "
               f"các cơ sở của tỉnh, huyện chuyển lên trong ngày, theo báo cáo của các cơ sở đó: "
               f"{W.show(W.fig('referred_up', upper['referred_up_local'].iloc[0], scope=f.key_of(scope), tier='local'))}; tiếp nhận theo báo cáo của từng bệnh viện tuyến trên: "
               f"cột Tiếp nhận (hai nguồn lệch nhau được liệt kê ở trang Chất lượng số liệu). "
               f"Nguồn: {SRC}; mẫu số: định mức giường được giao.")
    W.table(upper, {"facility_name": W.Col("Bệnh viện"), "occupied": W.Col("Đang điều trị", "int"),
                    "bed_quota": W.Col("Định mức", "int"), "load_vs_quota_pct": W.Col("% định mức", "pct"),
                    "admissions": W.Col("Tiếp nhận", "int"), "reported": W.Col("Đã báo cáo", "flag", flag_text="có"),
                    "referred_up": W.Col("Chuyển tuyến trên", "int", screen=False)},
            key="facility_upper", file_name=f"tuyen_tren_{f.as_of:%Y%m%d}",
            note=f"Bệnh viện tuyến trên, ngày {F.date(upper['status_date'].iloc[0])}")

st.subheader("Từng cơ sở")
fac = q.facilities(f.snapshot, scope, f.as_of)
if fac.empty:
    st.info(f"Chưa có báo cáo hoạt động cơ sở điều trị đến ngày {F.date(f.as_of)}.")
else:
    st.caption(f"Ngày {F.date(fac['status_date'].iloc[0])}; nguồn: {SRC}. Cơ sở đang hoạt động; so với định mức = "
               "đang điều trị ÷ định mức giường được giao. Cơ sở chưa báo cáo trong ngày để trống, không đoán.")
    W.table(fac, {"facility_name": W.Col("Cơ sở"), "district_name": W.Col("Địa bàn"),
                  "occupied": W.Col("Đang điều trị", "int"),
                  "bed_quota": W.Col("Định mức", "int", help="Định mức giường được giao."),
                  "load_vs_quota_pct": W.Col("% định mức", "pct",
                                             help="Đang điều trị ÷ định mức giường; từ 100% trở lên là vượt định mức."),
                  "beds_ready": W.Col("Giường sẵn sàng", "int"),
                  "occupancy_pct": W.Col("Công suất (%)", "pct", help="Đang điều trị ÷ giường sẵn sàng."),
                  "reported": W.Col("Đã báo cáo", "flag", flag_text="có", screen=False),
                  # details for the Excel file: the table on screen keeps what the committee decides on
                  "quota_x2": W.Col("Gấp đôi định mức", "int", screen=False),
                  "tier": W.Col("Tuyến", words=F.TIERS, screen=False),
                  "referred_up": W.Col("Chuyển tuyến trên", "int", screen=False),
                  "staff_on_duty": W.Col("Nhân viên trực", "int", screen=False)},
            key="facility_table", file_name=f"co_so_dieu_tri_{f.as_of:%Y%m%d}",
            note=f"Tải các cơ sở điều trị ngày {F.date(fac['status_date'].iloc[0])}")

st.subheader("Trạm y tế lưu động, Tổ COVID cộng đồng")
care = q.community_care_units(f.snapshot, scope, f.as_of)
if care.empty:
    st.info(f"Chưa có báo cáo trạm y tế lưu động, Tổ COVID cộng đồng đến ngày {F.date(f.as_of)}.")
else:
    st.caption(f"Ngày {F.date(care['status_date'].iloc[0])}, mỗi xã theo báo cáo gần nhất; nguồn: "
               f"{F.SOURCES['community_care']}.")
    W.table(care, {"unit_name": W.Col("Huyện"), "mobile_stations": W.Col("Trạm y tế lưu động", "int"),
                   "community_teams": W.Col("Tổ COVID cộng đồng", "int")},
            key="community_care", file_name=f"tram_luu_dong_to_covid_{f.as_of:%Y%m%d}",
            note=f"Trạm y tế lưu động, Tổ COVID cộng đồng; nguồn {F.SOURCES['community_care']}")

st.subheader("Trạm y tế xã không có người trực khi kiểm tra")
gaps = q.duty_gaps(f.snapshot, scope, f.as_of)
if gaps.empty:
    st.info(f"Không có lần kiểm tra nào phát hiện trạm y tế xã không có người trực đến ngày {F.date(f.as_of)}.")
else:
    st.caption(f"Mọi lần kiểm tra đến ngày {F.date(f.as_of)}, mới nhất trước; nguồn: {F.SOURCES['duty_checks']}.")
    W.table(gaps, {"checked_at": W.Col("Thời điểm kiểm tra", "datetime"), "unit_name": W.Col("Trạm y tế xã"),
                   "district_name": W.Col("Huyện"), "note": W.Col("Ghi chú")},
            key="duty_gaps", file_name=f"tram_khong_nguoi_truc_{f.as_of:%Y%m%d}",
            note=f"Trạm y tế xã không có người trực khi kiểm tra; nguồn {F.SOURCES['duty_checks']}")
