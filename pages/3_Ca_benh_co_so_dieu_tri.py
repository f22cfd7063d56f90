"""Ca bệnh F0: the F0 curve by report date with its trailing 7-day average (days still filling marked), active F0 at
home and in facilities, the province and every district side by side (small multiples of the 7-day rate per
100.000), the district map of that rate with week-on-week arrows, and the F0 left without medicine or monitoring per
district and per commune. Treatment facilities have their own page (7_Co_so_dieu_tri)."""
import streamlit as st

from app import charts as C
from app import formatting as F
from app import mapdata as M
from app import queries as q
from app import widgets as W
from app.frame import frame, one_province

f = frame("Ca bệnh F0")
PERIODS = {30: "30 ngày", 90: "90 ngày", 180: "180 ngày", 365: "1 năm"}
SRC = F.SOURCES["cases"]

scope, where = one_province(f, "f0_province")

cases = q.cases_units(f.snapshot, scope, f.as_of)
if cases.empty:
    st.info(f"Chưa có báo cáo ca bệnh đến ngày {F.date(f.as_of)}.")
    st.stop()
dist = cases[cases["unit_level"] == "district"]
day = cases["report_date"].iloc[0]
# the headline is the viewer's scope (the province, a member's districts, or the province chosen in national mode)
p = q.cases_summary(f.snapshot, scope, f.as_of)
key = f.key_of(scope)
cases_help = F.source_help("cases", day, "dân số đầu kỳ (mọi lứa tuổi)",
                           "Xu hướng tính đến ngày gần nhất mọi xã đã báo cáo (ngày chưa đủ không tính).")
# one date basis for every 7-day figure, the overview's (cases_summary.basis_date): the last day every commune reported
week_help = F.source_help("cases", p["basis_date"], "dân số đầu kỳ (mọi lứa tuổi)",
                          f"{F.basis_label(p['basis_date'], p['basis_complete'])}.")
m1, m2, m3, m4 = st.columns(4)
with m1:
    change = p["new_f0_7d_change_by_report_date"]
    change_fig = W.fig("new_f0_7d_change_by_report_date", change, "signed", scope=key, basis="complete_days")
    W.metric("F0 7 ngày /100.000 dân", W.fig("new_f0_7d_per_100k_by_report_date",
                                              p["new_f0_7d_per_100k_by_report_date"], "num1", scope=key,
                                              basis="complete_days"), week_help,
             delta=(f"{W.show(change_fig)} ca so với 7 ngày trước" if not F.missing(change)
                    else "chưa xét được xu hướng"), delta_color="inverse", note=F.missing(change))
with m2:
    W.metric("Đang điều trị tại nhà", W.fig("active_home", p["active_home"], scope=key), cases_help,
             delta=f"{W.show(W.fig('home_share_pct', p['home_share_pct'], 'pct', scope=key))} tổng số; tại cơ sở "
                   f"{W.show(W.fig('active_facility', p['active_facility'], scope=key))} (báo cáo ca bệnh)",
             note=True)
with m3:
    W.metric("F0 mới đã là F1 (7 ngày)", W.fig("new_f0_from_f1_7d_pct", p["new_f0_from_f1_7d_pct"], "pct",
                                                scope=key, basis="complete_days"), week_help)
with m4:
    W.metric("Tỷ lệ tử vong/F0 (28 ngày)", W.fig("cfr_28d_pct", p["cfr_28d_pct"], "pct3", scope=key),
             cases_help + f"  \nDòng dưới: ca nặng mới và tử vong của ngày báo cáo {F.date(day)}.",
             delta=f"nặng mới {W.show(W.fig('new_severe', p['new_severe'], scope=key))}, tử vong "
                   f"{W.show(W.fig('deaths', p['deaths'], scope=key))}", note=True)
trend_note = (f"F0 7 ngày /100.000 dân, F0 mới đã là F1 và xu hướng (so với 7 ngày trước đó, ▲ tăng là xấu): "
              f"{F.basis_label(p['basis_date'], p['basis_complete'])}."
              + ("" if p["basis_complete"] else " Chưa xét xu hướng."))
st.caption(f"{F.md(where)}, ngày báo cáo {F.date(day)}. Tỷ lệ tử vong/F0: tử vong ÷ F0 mới của cùng 28 ngày (cộng dồn từ "
           f"đầu: {W.show(W.fig('cfr_cumulative_pct', p['cfr_cumulative_pct'], 'pct3', scope=key))}). {trend_note}")

DAYS = st.radio("Khoảng thời gian của các biểu đồ", list(PERIODS), index=1, format_func=PERIODS.get,
                horizontal=True, key="f0_days")
st.subheader("F0 mới và F0 đang điều trị theo ngày báo cáo")
trend = q.cases_trend(f.snapshot, scope, f.as_of, DAYS)
incomplete = trend[~trend["is_complete"].fillna(False).astype(bool)]
st.caption(f"{F.md(where)}, {DAYS} ngày đến ngày {F.date(day)}, theo ngày "
           f"báo cáo. Trung bình 7 ngày là trung bình lùi (7 ngày đến hết ngày đó). Nguồn: {SRC}; xã chưa báo cáo "
           "trong ngày được tính là 0 ca, nên ngày chưa đủ xã báo cáo (cột gạch chéo, đường chấm) còn tăng thêm và "
           "không dùng để đánh giá xu hướng."
           + (f" Chưa đủ báo cáo: {', '.join(F.date(d) for d in incomplete['report_date'].tail(5))}"
              f"{' …' if len(incomplete) > 5 else ''}." if not incomplete.empty else ""))
trend_cols = {"report_date": W.Col("Ngày báo cáo", "date"), "new_f0": W.Col("F0 mới", "int"),
              "new_f0_7d_avg_by_report_date": W.Col("TB 7 ngày", "num1", help="Trung bình 7 ngày (lùi)."),
              "new_f0_7d_per_100k_by_report_date": W.Col("F0 7 ngày /100.000", "num1", help="Dân số đầu kỳ, mọi lứa tuổi."),
              "is_complete": W.Col("Chưa đủ báo cáo", "flag", flag_text="chưa đủ"),
              "communes_reporting": W.Col("Xã đã báo cáo", "int", screen=False),
              "communes_expected": W.Col("Số xã", "int", screen=False),
              "active_home": W.Col("Điều trị tại nhà", "int"),
              "active_facility": W.Col("Điều trị tại cơ sở", "int"),
              "new_severe": W.Col("Nặng mới", "int"), "deaths": W.Col("Tử vong", "int")}
# one table twins both charts (new F0, and active F0 at home and in facilities): the same days, the same source
new_tab, active_tab, table_tab = st.tabs(["Biểu đồ F0 mới", "Biểu đồ F0 đang điều trị", "Bảng số liệu"])
with new_tab:
    W.chart(C.f0_trend, trend, key="f0_trend")
with active_tab:
    st.caption("F0 đang điều trị theo ngày báo cáo: tại nhà và tại cơ sở (chồng lên nhau).")
    W.chart(C.active_split, trend, key="active_chart")
with table_tab:
    W.table(trend.assign(is_complete=~trend["is_complete"].fillna(False).astype(bool)), trend_cols,
            key="f0_table", file_name=f"f0_theo_ngay_{day:%Y%m%d}",
            note=f"F0 mới và F0 đang điều trị theo ngày báo cáo, {where}, {DAYS} ngày đến ngày {F.date(day)}; "
                 f"nguồn {SRC}")

st.subheader("Từng huyện so với toàn tỉnh: F0 7 ngày /100.000 dân")
series = q.cases_district_trend(f.snapshot, scope, f.as_of, DAYS)
st.caption(f"Mỗi ô một huyện, cùng một thang đo để so sánh; đường xám là toàn tỉnh. Theo ngày báo cáo, {DAYS} ngày "
           f"đến ngày {F.date(day)}; F0 mới 7 ngày (lùi) trên 100.000 dân số đầu kỳ; đoạn chấm: ngày huyện chưa đủ "
           f"xã báo cáo. Nguồn: {SRC}.")
chart_tab, table_tab = st.tabs(["Biểu đồ", "Bảng số liệu"])
with chart_tab:
    W.chart(C.f0_small_multiples, series, key="f0_multiples")
with table_tab:
    # one row per day, one column per district (a long table of 90 × 9 rows would be unreadable, and slow to draw)
    wide = q.cases_district_wide(f.snapshot, scope, f.as_of, DAYS)
    panel_names = dict(zip(series["unit_code"], series["short_name"], strict=False))
    W.table(wide, {"report_date": W.Col("Ngày", "date", help="Ngày báo cáo."),
                   "province_new_f0_7d_per_100k_by_report_date": W.Col("Toàn tỉnh", "num1"),
                   **{code: W.Col(panel_names[code], "num1") for code in panel_names},
                   "districts_incomplete": W.Col("Số huyện chưa đủ báo cáo", "int", screen=False)},
            key="f0_multiples_table", file_name=f"f0_tung_huyen_{day:%Y%m%d}",
            note=f"F0 7 ngày /100.000 dân (dân số đầu kỳ) theo ngày báo cáo, toàn tỉnh và từng huyện; nguồn {SRC}")

st.subheader("F0 theo huyện: 7 ngày gần nhất")
st.caption(f"Ngày báo cáo {F.date(day)}; xu hướng so 7 ngày đến ngày đủ báo cáo gần nhất với 7 ngày trước đó "
           "(▲ tăng là xấu): ngày chưa đủ xã báo cáo không dùng cho xu hướng, cột Đến ngày cho biết xu hướng của mỗi "
           "đơn vị tính đến ngày nào.")
case_cols = {"unit_name": W.Col("Đơn vị"), "new_f0_7d_per_100k_by_report_date": W.Col("F0 7 ngày /100.000", "num1"),
             "new_f0_7d_avg_by_report_date": W.Col("TB 7 ngày", "num1"),
             "trend_direction": W.Col("Xu hướng", words=F.TREND_ARROW, colours=F.TREND_COLOURS),
             "trend_new_f0_7d_change_pct_by_report_date": W.Col("± 7 ngày (%)", "num1",
                                                                help="So với 7 ngày trước đó."),
             "trend_date": W.Col("Đến ngày", "date", help="Xu hướng tính đến ngày gần nhất mọi xã của đơn vị đã báo cáo."),
             "is_complete": W.Col("Đủ báo cáo", "flag", flag_text="đủ", screen=False),
             "active_home": W.Col("Tại nhà", "int"), "active_facility": W.Col("Tại cơ sở", "int"),
             "new_f0_from_f1_7d_pct": W.Col("Đã là F1 (%)", "pct", screen=False),
             "new_severe": W.Col("Nặng mới", "int"), "deaths": W.Col("Tử vong", "int"),
             "cfr_28d_pct": W.Col("Tử vong/F0 28 ngày (%)", "pct", screen=False),
             "cfr_cumulative_pct": W.Col("Tử vong/F0 cộng dồn (%)", "pct", screen=False),
             "population_total": W.Col("Dân số đầu kỳ", "int", screen=False)}
shapes = q.district_shapes(f.snapshot, scope)
map_tab, table_tab = st.tabs(["Bản đồ", "Bảng số liệu"])
with map_tab:
    labels = ("F0 mới 7 ngày", "Dân số đầu kỳ", "F0 7 ngày /100.000 dân")
    caption = (f"F0 mới 7 ngày đến ngày báo cáo {F.date(day)} trên 100.000 dân (dân số đầu kỳ); mũi tên: xu hướng so "
               "với 7 ngày trước đó (ngày chưa đủ xã báo cáo không tính). Màu càng đậm càng nhiều F0.")
    # with the province's commune boundaries, the same rate by commune on one map of the province
    if not M.commune_shapes(f.snapshot, scope).empty and st.radio(
            "Bản đồ theo", ("district", "commune"), key="f0_map_level", horizontal=True,
            format_func={"district": "huyện", "commune": "xã"}.get) == "commune":
        W.district_map(M.cases_communes(f.snapshot, scope, f.as_of), M.commune_shapes(f.snapshot, scope), "rate",
                       labels, "f0_map_tinh_xa", caption, None, trend="trend_direction", note=M.note(f.snapshot))
    else:
        W.district_map(dist, shapes, "rate", labels, "f0_map", caption, f.meta["geo_missing_reason"],
                       trend="trend_direction")
with table_tab:
    W.table(cases, case_cols, key="f0_units", file_name=f"f0_huyen_{day:%Y%m%d}",
            note=f"F0 theo huyện, 7 ngày đến ngày báo cáo {F.date(day)}; nguồn {SRC}")

st.subheader("F0 chưa được cấp thuốc, chưa được theo dõi")
for quote in q.directive_quotes(f.snapshot, "care_access", f.meta["province_code"]).itertuples():
    st.markdown(f"> {F.md(quote.quote)}  \n— {F.md(quote.source_document)}")
gap_cols = {"unit_name": W.Col("Đơn vị"), "active_total": W.Col("F0 đang điều trị", "int"),
            "without_antiviral": W.Col("Chưa có thuốc", "int"),
            "without_antiviral_pct": W.Col("Chưa có thuốc (%)", "pct", help="÷ F0 đang điều trị."),
            "not_monitored": W.Col("Chưa theo dõi", "int"),
            "not_monitored_pct": W.Col("Chưa theo dõi (%)", "pct", help="÷ F0 đang điều trị."),
            "gap_growing": W.Col("Tăng so với hôm trước", "flag", flag_text="tăng",
                                 help="So với hôm trước, chỉ tính các xã báo cáo cả hai ngày."),
            "without_antiviral_change": W.Col("Chưa có thuốc: thay đổi", "int", screen=False),
            "not_monitored_change": W.Col("Chưa theo dõi: thay đổi", "int", screen=False),
            "is_complete": W.Col("Đủ xã báo cáo", "flag", flag_text="đủ", screen=False)}


def growing_warning(rows, level: str) -> None:
    growing = rows[rows["gap_growing"] == True]  # noqa: E712  (NULL = not known, not growing)
    if not growing.empty:
        st.warning(f"Số F0 chưa có thuốc hoặc chưa được theo dõi tăng so với hôm trước ở {level}: "
                   f"{', '.join(F.md(name) for name in growing['unit_name'])}.")


# A fragment: choosing a district reruns only the commune table, not the page.
@st.fragment
def communes_of(names: dict, gap_day) -> None:
    district = st.selectbox("Xem các xã của huyện", [None, *names], key="gap_district",
                            format_func=lambda c: "— chọn huyện —" if c is None else names.get(c, c),
                            placeholder="Chọn…")
    if district:
        communes = q.care_gap_units(f.snapshot, scope, f.as_of, district)
        shapes = M.commune_shapes(f.snapshot, scope, district)
        if not shapes.empty:  # the district's communes on its map: F0 of 7 days per 100.000, and the direction
            st.markdown(f"**F0 7 ngày /100.000 dân theo xã của {F.md(names[district])}**")
            W.district_map(M.cases_communes(f.snapshot, scope, f.as_of, district), shapes, "rate",
                           ("F0 mới 7 ngày", "Dân số đầu kỳ", "F0 7 ngày /100.000 dân"), "f0_map_xa",
                           f"Đến ngày báo cáo {F.date(gap_day)}; mũi tên: xu hướng so với 7 ngày trước đó (ngày chưa "
                           "đủ xã báo cáo không tính). Màu càng đậm càng nhiều F0.", None, trend="trend_direction",
                           note=M.note(f.snapshot))
        growing_warning(communes, f"các xã của {F.md(names[district])}")
        st.markdown(f"**Các xã, phường, thị trấn của {F.md(names[district])}**, ngày báo cáo {F.date(gap_day)}")
        W.table(communes, gap_cols, key="care_gap_communes",
                file_name=f"f0_chua_cham_soc_xa_{district}_{gap_day:%Y%m%d}", max_rows=20,
                note=f"{names[district]}: F0 chưa có thuốc, chưa được theo dõi theo xã, ngày {F.date(gap_day)}")


gaps = q.care_gap_units(f.snapshot, scope, f.as_of)

if gaps.empty:
    st.info(f"Chưa có báo cáo ca bệnh đến ngày {F.date(f.as_of)}.")
else:
    gap_day = gaps["report_date"].iloc[0]
    growing_warning(gaps, "huyện")
    st.caption(f"Ngày báo cáo {F.date(gap_day)}; mẫu số: F0 đang điều trị. Xếp theo số F0 chưa có thuốc, nhiều nhất "
               "trước. Tính ở từng xã rồi cộng lên: xã báo cáo thừa không bù cho xã thiếu. Nguồn: "
               f"{SRC}.")
    W.table(gaps, gap_cols, key="care_gaps", file_name=f"f0_chua_cham_soc_{gap_day:%Y%m%d}",
            note=f"F0 chưa có thuốc, chưa được theo dõi theo huyện, ngày {F.date(gap_day)}; nguồn {SRC}")
    communes_of(dict(zip(gaps["unit_code"], gaps["unit_name"])), gap_day)
