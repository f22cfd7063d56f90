"""Ca bệnh F0: the F0 trend with its trailing 7-day average, F0 per district over 7 days, and the F0 left without
medicine or monitoring. Treatment facilities have their own page (7_Co_so_dieu_tri)."""
import streamlit as st

from app import charts as C
from app import formatting as F
from app import queries as q
from app import widgets as W
from app.frame import frame

f = frame("Ca bệnh F0")

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

st.subheader("F0 theo huyện: 7 ngày gần nhất")
cases = q.cases_units(f.snapshot, f.scope, f.as_of)
if not cases.empty:
    prov = cases[cases["unit_level"] == "province"]
    dist = cases[cases["unit_level"] == "district"]
    day = cases["report_date"].iloc[0]
    cases_help = F.source_help("cases", day, "dân số đầu kỳ (mọi lứa tuổi)",
                               "Xu hướng tính đến ngày gần nhất mọi xã đã báo cáo (ngày chưa đủ không tính).")
    if not prov.empty:
        p = prov.iloc[0]
        m1, m2, m3, m4 = st.columns(4)
        with m1:
            W.metric("F0 7 ngày /100.000 dân", F.num(p["rate_7d_per_100k"], 1), cases_help,
                     delta=f"{F.signed(p['trend_wow_change'], 0)} ca so với 7 ngày trước", delta_color="inverse")
        with m2:
            W.metric("Đang điều trị tại nhà", F.num(p["active_home"]), cases_help,
                     delta=f"{F.pct(p['home_share_pct'])} tổng số; tại cơ sở {F.num(p['active_facility'])}", note=True)
        with m3:
            W.metric("F0 mới đã là F1 (7 ngày)", F.pct(p["new_f0_from_f1_7d_pct"]), cases_help)
        with m4:
            W.metric("Tỷ lệ tử vong/F0 (28 ngày)", F.pct(p["cfr_28d_pct"], 3), cases_help,
                     delta=f"ca nặng mới {F.num(p['new_severe'])}, tử vong {F.num(p['deaths'])} trong ngày", note=True)
    st.caption(f"Ngày báo cáo {F.date(day)}; xu hướng so 7 ngày đến ngày đủ báo cáo gần nhất với 7 ngày trước đó "
               "(▲ tăng là xấu). Ngày chưa đủ xã báo cáo được đánh dấu ở cột Đủ báo cáo và không dùng cho xu hướng.")
    case_cols = {"unit_name": W.Col("Đơn vị"), "rate_7d_per_100k": W.Col("F0 7 ngày /100.000", "num1"),
                 "new_f0_7d_avg": W.Col("TB 7 ngày", "num1"),
                 "trend_direction": W.Col("Xu hướng", words=F.TREND_ARROW),
                 "trend_wow_change_pct": W.Col("So 7 ngày trước (%)", "num1"),
                 "trend_date": W.Col("Xu hướng đến ngày", "date"),
                 "is_complete": W.Col("Đủ báo cáo", "flag", flag_text="đủ"),
                 "active_home": W.Col("Tại nhà", "int"), "active_facility": W.Col("Tại cơ sở", "int"),
                 "new_f0_from_f1_7d_pct": W.Col("Đã là F1 (%)", "pct"),
                 "new_severe": W.Col("Nặng mới", "int"), "deaths": W.Col("Tử vong", "int"),
                 "cfr_cumulative_pct": W.Col("Tử vong/F0 cộng dồn (%)", "pct", screen=False),
                 "population_total": W.Col("Dân số đầu kỳ", "int", screen=False)}
    shapes = q.district_shapes(f.snapshot, f.scope)
    map_tab, table_tab = st.tabs(["Bản đồ", "Bảng số liệu"])
    with map_tab:
        if shapes.empty:
            st.info(f.meta["geo_missing_reason"] or "Bản dữ liệu không có ranh giới các huyện.")
        else:
            st.plotly_chart(C.choropleth(dist, shapes, "rate", "F0 mới 7 ngày", "Dân số đầu kỳ",
                                         "F0 7 ngày /100.000 dân", height=440),
                            key="f0_map", config={"displaylogo": False, "scrollZoom": False})
            st.caption(f"F0 mới 7 ngày đến ngày báo cáo {F.date(day)} trên 100.000 dân (dân số đầu kỳ).")
    with table_tab:
        W.table(cases, case_cols, key="f0_units", file_name=f"f0_huyen_{day:%Y%m%d}",
                note=f"F0 theo huyện, 7 ngày đến ngày báo cáo {F.date(day)}; nguồn {F.SOURCES['cases']}")

st.subheader("F0 chưa được cấp thuốc, chưa được theo dõi")
gaps = q.care_gap_units(f.snapshot, f.scope, f.as_of)
if not gaps.empty:
    growing = gaps[gaps["gap_growing"] == True]  # noqa: E712  (NULL = not known, not growing)
    if not growing.empty:
        st.warning("Khoảng trống chăm sóc tăng so với hôm trước ở: "
                   f"{', '.join(growing['unit_name'])}.")
    st.caption(f"Ngày báo cáo {F.date(gaps['report_date'].iloc[0])}; mẫu số: F0 đang điều trị. Không F0 nào được "
               f"để thiếu thuốc hay không được theo dõi. Nguồn: {F.SOURCES['cases']}.")
    W.table(gaps, {"unit_name": W.Col("Đơn vị"), "active_total": W.Col("F0 đang điều trị", "int"),
                   "without_antiviral": W.Col("Chưa có thuốc", "int"),
                   "without_antiviral_pct": W.Col("Chưa có thuốc (%)", "pct"),
                   "not_monitored": W.Col("Chưa theo dõi", "int"),
                   "not_monitored_pct": W.Col("Chưa theo dõi (%)", "pct"),
                   "gap_growing": W.Col("Tăng so với hôm trước", "flag", flag_text="tăng")},
            key="care_gaps", file_name=f"f0_chua_cham_soc_{f.as_of:%Y%m%d}",
            note=f"F0 chưa có thuốc, chưa được theo dõi, ngày {F.date(gaps['report_date'].iloc[0])}")
