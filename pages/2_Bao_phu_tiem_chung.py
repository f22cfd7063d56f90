"""Bao phủ tiêm chủng: districts on their real boundaries by cohort, dose, population and metric; a district's
communes; the unvaccinated by priority group and reason. Every map and chart has its table and Excel file."""
import streamlit as st

from app import charts as C
from app import formatting as F
from app import mapdata as M
from app import queries as q
from app import widgets as W
from app.frame import frame

f = frame("Bao phủ tiêm chủng")

# The page opens on the cohort and dose of the nearest target still ahead (a map of a dose everyone has had is one
# colour and says nothing); the viewer's own choice then stays.
ahead = q.deadline_targets(f.snapshot, f.scope, f.as_of)
ahead = ahead[(ahead["deadline"].dt.date >= f.as_of) & ahead["cohort"].isin(F.COHORTS)]
nearest = ahead.iloc[0] if len(ahead) else None
c1, c2, c3, c4 = st.columns([1.2, 0.8, 1.2, 1.6])
cohort = c1.selectbox("Nhóm tuổi", F.COHORTS, format_func=lambda c: F.COHORT_LONG[c], key="cov_cohort",
                      index=F.COHORTS.index(nearest.cohort) if nearest is not None else 0)
DOSES = (1, 2, 3, 4)
dose = c2.selectbox("Mũi", DOSES, format_func=F.dose_label, key="cov_dose",
                    index=DOSES.index(nearest.dose) if nearest is not None and nearest.dose in DOSES else 0)
population = c3.radio("Mẫu số", ("start", "current"), format_func=lambda p: F.POPULATION[p].capitalize(),
                      key="cov_population", horizontal=True,
                      help="Dân số đầu kỳ: theo kế hoạch đầu kỳ. Dân số hiện có: người thường trú, tạm trú đang có "
                           "mặt trên địa bàn. Hai mẫu số cho hai tỷ lệ khác nhau; bảng luôn ghi cả hai.")
metric = c4.radio("Chỉ số", tuple(F.METRICS), format_func=F.METRICS.get, key="cov_metric", horizontal=True)

# The whole-country snapshot has provinces on top: a table of provinces, then one province's districts on the map.
top = (q.coverage_provinces if f.national else q.coverage_units)(f.snapshot, f.scope, f.as_of, cohort, dose,
                                                                   population, metric)
vax_date = top["as_of_date"].iloc[0] if not top.empty else f.as_of
interval = top["interval_days"].dropna()
num_label, den_label, value_label, definition = F.coverage_labels(
    metric, cohort, dose, population, interval.iloc[0] if len(interval) else None)
st.caption(f"{definition} Nguồn: {F.SOURCES['platform']}, số liệu đến ngày {F.date(vax_date)}."
           + (f" Trang mở theo chỉ tiêu gần nhất còn hạn: {F.md(F.dashed(nearest.title))} "
              f"({F.deadline_text(nearest.deadline, nearest.original_deadline)}, {F.md(nearest.source_document)})."
              if nearest is not None else ""))
if metric == "dropout" and interval.empty:
    st.info(f"Chưa có khoảng cách tối thiểu từ {F.dose_label(dose)} sang mũi sau cho nhóm "
            f"{F.COHORT_LONG[cohort].lower()} đang áp dụng ngày {F.date(vax_date)}: không tính được tỷ lệ bỏ mũi.")

# the columns by their own names (app.figures names a figure by its column): people and population, or for the drop-out
# the people due for the next dose and those who have not had it; a long denominator is named in full in its help
numerator, denominator = ("dropped", "eligible") if metric == "dropout" else ("people", "population")
unit_cols = {
    "unit_name": W.Col("Đơn vị"), numerator: W.Col(num_label, "int"),
    denominator: W.Col(F.POPULATION[population].capitalize() if metric != "dropout" else den_label, "int",
                       help=den_label),
    **({} if metric == "coverage" else {"unvaccinated" if metric == "unvaccinated" else "dropout_pct":
                                        W.Col(value_label, "int" if metric == "unvaccinated" else "pct")}),
    "coverage_pct": W.Col(f"Bao phủ ({F.POPULATION[population]})", "pct", bar="Mức",
                          help="Thanh dài hết ô = 100%. Trên 100% được đánh dấu ở cột Cần rà soát."),
    "over_100": W.Col("Cần rà soát", "flag", flag_text="trên 100%"),
    "coverage_pct_other": W.Col(f"Bao phủ ({F.POPULATION[F.OTHER_POPULATION[population]]})", "pct",
                                help="Cùng tỷ lệ, tính trên mẫu số kia."),
}
note = (f"{value_label}, {F.COHORT_LONG[cohort].lower()}, {F.dose_label(dose)}, mẫu số {F.POPULATION[population]}; "
        f"nguồn {F.SOURCES['platform']}; số liệu đến ngày {F.date(vax_date)}")

scope, units = f.scope, top
if f.national:
    st.markdown("**Các tỉnh, thành phố** — bấm vào tiêu đề cột để sắp xếp")
    W.table(top, unit_cols, key="cov_provinces", file_name=f"bao_phu_tinh_{vax_date:%Y%m%d}", note=note)
    provinces = dict(zip(top["unit_code"], top["unit_name"]))
    province = st.selectbox("Xem các huyện của tỉnh, thành phố", list(provinces), key="cov_province",
                            format_func=provinces.get, placeholder="Chọn…")
    scope = q.province_scope(f.snapshot, f.scope, province)
    units = q.coverage_units(f.snapshot, scope, f.as_of, cohort, dose, population, metric)
    note = f"{provinces.get(province, f.province)}: {note}"

over = units[units["over_100"]]
if not over.empty:
    st.warning(F.over_100_text(over, population))

shapes = q.district_shapes(f.snapshot, scope)
codes = list(units["unit_code"])
names = dict(zip(units["unit_code"], units["unit_name"]))

if shapes.empty:
    st.info(F.md(f.meta["geo_missing_reason"]) if f.meta["geo_missing_reason"]
            else "Bản dữ liệu không có ranh giới các huyện; số liệu được trình bày bằng bảng.")
    W.table(units, unit_cols, key="cov_table", file_name=f"bao_phu_huyen_{vax_date:%Y%m%d}", note=note)
else:
    map_tab, table_tab = st.tabs(["Bản đồ", "Bảng số liệu"])
    with map_tab:
        # with the province's commune boundaries, the same figures by commune on one map of the province
        level = st.radio("Bản đồ theo", ("district", "commune"), key="cov_map_level", horizontal=True,
                         format_func={"district": "huyện", "commune": "xã"}.get) \
            if not M.commune_shapes(f.snapshot, scope).empty else "district"
        if level == "commune":
            W.district_map(M.coverage_communes(f.snapshot, scope, f.as_of, cohort, dose, population, metric),
                           M.commune_shapes(f.snapshot, scope), metric, (num_label, den_label, value_label),
                           "cov_map_xa", "Mọi xã của tỉnh; rê chuột lên xã để xem tử số, mẫu số. Màu càng đậm càng "
                           "kém; ô gạch tím là số liệu cần rà soát.", None, note=M.note(f.snapshot))
        else:
            # a click on a district opens its communes below (the selectbox "Xem các xã của huyện")
            W.district_map(units, shapes, metric, (num_label, den_label, value_label), "cov_map",
                           "Bấm vào một huyện trên bản đồ (hoặc chọn ở ô bên dưới) để xem các xã; rê chuột lên huyện "
                           "để xem tử số, mẫu số. Màu càng đậm càng kém; ô gạch tím là số liệu cần rà soát.",
                           f.meta["geo_missing_reason"], select_key="cov_district")
    with table_tab:
        W.table(units, unit_cols, key="cov_table", file_name=f"bao_phu_huyen_{vax_date:%Y%m%d}", note=note)

district = st.selectbox("Xem các xã của huyện", [None, *codes], key="cov_district",
                        format_func=lambda c: "— chọn huyện —" if c is None else names.get(c, c), placeholder="Chọn…")
if district:
    communes = q.coverage_units(f.snapshot, scope, f.as_of, cohort, dose, population, metric, district)
    st.markdown(f"**Các xã, phường, thị trấn của {F.md(names[district])}** — bấm vào tiêu đề cột để sắp xếp")
    commune_shapes = M.commune_shapes(f.snapshot, scope, district)
    table_place = st.container()
    if not commune_shapes.empty:
        map_tab, table_place = st.tabs(["Bản đồ các xã", "Bảng số liệu"])
        with map_tab:
            W.district_map(communes, commune_shapes, metric, (num_label, den_label, value_label), "cov_map_huyen",
                           f"Các xã của {F.md(names[district])}; rê chuột lên xã để xem tử số, mẫu số.", None,
                           note=M.note(f.snapshot))
    with table_place:
        W.table(communes, unit_cols, key="cov_communes", file_name=f"bao_phu_xa_{district}_{vax_date:%Y%m%d}",
                note=f"{names[district]}: {note}", max_rows=20)

st.subheader("Người chưa tiêm theo nhóm ưu tiên và lý do")
unvax = q.unvaccinated_units(f.snapshot, scope, f.as_of, district)
where = names[district] if district else "các huyện"
if unvax.empty:
    st.info(f"Chưa có biểu mẫu báo cáo của {F.md(where)} đến ngày {F.date(f.as_of)}: danh sách người chưa tiêm do "
            "huyện lập và báo cáo, nền tảng tiêm chủng không có số liệu này.")
else:
    st.caption(f"Người từ 12 tuổi trở lên chưa tiêm mũi nào, theo biểu mẫu báo cáo gần nhất của mỗi huyện đến ngày "
               f"{F.date(f.as_of)} (nguồn: {F.SOURCES['district_reports']}). Một người có thể thuộc nhiều nhóm ưu "
               "tiên. Không đồng ý: không đồng ý tiêm, có cam kết; không rõ: không rõ lý do. Ô để trống không được "
               "tính là 0; số ô chưa điền và ngày báo cáo của mỗi huyện ở cột Ô trống và Ngày báo cáo của tệp Excel.")
    reasons = {"refused": "Không đồng ý", "deferred": "Hoãn tiêm", "contraindicated": "Chống chỉ định",
               "unknown_reason": "Không rõ"}
    groups = {"over50": "Trên 50 tuổi", "comorbid": "Có bệnh nền", "pregnant": "Mang thai"}
    left, right = st.columns(2)
    with left:
        W.chart(C.stacked_bars, unvax, "unit_name", reasons, f"Theo lý do — {where}", key="unvax_reasons")
    with right:
        W.chart(C.stacked_bars, unvax, "unit_name", groups, f"Nhóm ưu tiên — {where}", stacked=False,
                key="unvax_groups")
    W.table(unvax, {"unit_name": W.Col("Đơn vị"), "report_date": W.Col("Ngày báo cáo", "date", screen=False),
                    "unvaccinated_total": W.Col("Chưa tiêm", "int"),
                    "blank_cells": W.Col("Ô trống", "int", screen=False,
                                         help="Số ô của biểu mẫu chưa điền: không tính là 0."),
                    **{k: W.Col(v, "int") for k, v in reasons.items()},
                    **{k: W.Col(v, "int") for k, v in groups.items()}},
            key="unvax_table", file_name=f"chua_tiem_{district or 'huyen'}_{f.as_of:%Y%m%d}",
            note=f"Người chưa tiêm ({where}), báo cáo của huyện gần nhất đến ngày {F.date(f.as_of)}")
