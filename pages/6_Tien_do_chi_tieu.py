"""Tiến độ thực hiện chỉ tiêu: every coverage target of the directives (its document, quote, threshold and deadline,
revisions kept visible), the province and each district against it on the as-of date (gauge, bullets, status, people
still needed, pace required against the last 7 days, projected date with its method and range, what cannot be
reached because of the dose interval), the rule behind each status (status_reason), a missed deadline with the day it
was reached afterwards and how late, who will miss what with the member who answers for the district, the communes
of a district ranked by people still needed, and the report deadlines and plan milestones."""
import streamlit as st

from app import charts as C
from app import formatting as F
from app import mapdata as M
from app import queries as q
from app import widgets as W
from app.frame import frame, one_province


f = frame("Tiến độ thực hiện chỉ tiêu")
scope = one_province(f, "dl_province")[0]

targets = q.deadline_targets(f.snapshot, scope, f.as_of)
if targets.empty:
    st.info("Bản dữ liệu chưa có chỉ tiêu bao phủ tiêm chủng nào (tệp chỉ tiêu theo văn bản chỉ đạo).")
    st.stop()
labels = {r.target_id: F.target_label(r.title, r.deadline, r.original_deadline) for r in targets.itertuples()}
target = st.selectbox("Chỉ tiêu", list(labels), format_func=labels.get, key="dl_target", placeholder="Chọn…")
t = targets[targets["target_id"] == target].iloc[0]

st.subheader(F.md(F.dashed(t["title"])))
st.markdown(f"> {F.md(F.dashed(t['quote']))}" if not F.missing(t["quote"]) else "")
st.markdown(f"**Văn bản:** {F.md(t['source_document'])}  \n"
            f"**Chỉ tiêu:** {W.show(W.fig('threshold_pct', t['threshold_pct'], 'pct', scope=t['target_id']))} "
            f"{F.COHORT_LONG[t['cohort']].lower()} tiêm ≥ "
            f"{F.dose_label(t['dose'])} (mẫu số: {F.POPULATION[t['population_version']]})  \n"
            f"**Thời hạn:** {F.deadline_text(t['deadline'], t['original_deadline'])}"
            + (f" — {F.md(F.dashed(t['revisions']))}" if t["revised"] and not F.missing(t["revisions"]) else ""))

units = q.deadline_units(f.snapshot, scope, f.as_of, target)
if units.empty:
    st.info(f"Chưa có số liệu tiêm chủng đến ngày {F.date(f.as_of)} để đánh giá chỉ tiêu này.")
    st.stop()
judged = units["as_of_date"].iloc[0]
help_text = F.source_help("platform", judged, f"{F.POPULATION[t['population_version']]} "
                          f"{F.COHORT_LONG[t['cohort']].lower()}",
                          f"Dự báo: {F.PROJECTION_METHOD}.")
st.caption(f"Đánh giá theo số liệu nền tảng tiêm chủng đến ngày {F.date(judged)}"
           + (" (sau hạn: tỷ lệ đạt là tại ngày hạn; còn thiếu và dự kiến đạt là đến nay)"
              if units["deadline_passed"].iloc[0] else "")
           + f". Dự báo: {F.PROJECTION_METHOD}.")

province = units[units["unit_level"] == "province"]
districts = units[units["unit_level"] == "district"]
units = units.assign(status_note=[F.target_status_note(r, brief=True) for _, r in units.iterrows()])
if not province.empty:
    p = province.iloc[0]
    which = {"scope": p["unit_code"], "target": target, "cohort": p["cohort"], "dose": p["dose"]}  # app.figures
    st.markdown(f"#### {F.md(p['unit_name'])}")
    left, right = st.columns([1, 1.6])
    with left:
        W.chart(C.target_gauge, p, key="dl_gauge")
        st.caption("Kim đen: chỉ tiêu; vùng xám: phần không thể đạt trước hạn (khoảng cách giữa hai mũi).")
    with right:
        st.markdown(F.target_verdict(p))
        if p["status"] in ("at_risk", "on_track"):
            st.markdown(f"**Căn cứ xếp loại:** {F.target_status_note(p)}.")
        c1, c2, c3 = st.columns(3)
        with c1:
            W.metric("Đã đạt", W.fig("achieved_pct", p["achieved_pct"], "pct", **which),
                     help_text,
                     delta=f"{W.show(W.fig('people_vaccinated', p['people_vaccinated'], **which))} / "
                           f"{W.show(W.fig('population', p['population'], **which))} người", note=True)
        with c2:
            W.metric("Thiếu tại ngày hạn (người)" if p["deadline_passed"] else "Còn thiếu (người)",
                     W.fig("people_short_at_deadline", p["people_short_at_deadline"], **which)
                     if p["deadline_passed"] else W.fig("people_needed", p["people_needed"], **which), help_text,
                     delta=f"cần đạt {W.show(W.fig('target_people', p['target_people'], **which))} người",
                     note=True)
        with c3:
            if p["status"] == "met":
                W.metric("Ngày đạt chỉ tiêu", W.fig("met_on", p["met_on"], "date", **which),
                         help_text)
            elif not F.missing(p["reached_date"]):
                W.metric("Đạt sau hạn", W.fig("reached_date", p["reached_date"], "date", **which), help_text,
                         delta=W.show(W.fig("days_late", p["days_late"], "late", **which)), note=True)
            elif p["deadline_passed"]:
                W.metric("Còn thiếu đến nay (người)", W.fig("people_needed", p["people_needed"], **which), help_text,
                         delta=f"{W.show(W.fig('days_late', p['days_late'], 'late', **which))}; 7 ngày gần nhất: "
                               f"{W.show(W.fig('trailing_7d_pace', p['trailing_7d_pace'], 'num1', **which))}/ngày",
                         note=True)
            else:
                W.metric("Cần tiêm mỗi ngày", W.fig("required_daily_pace", p["required_daily_pace"], "num1",
                                                    **which), help_text,
                         delta=f"7 ngày gần nhất: "
                               f"{W.show(W.fig('trailing_7d_pace', p['trailing_7d_pace'], 'num1', **which))}/ngày",
                         note=True)
        st.markdown(F.feasibility_text(p))
    st.markdown("**Người chưa thể tiêm, tính riêng**")
    e1, e2, e3, e4 = st.columns(4)
    with e1:
        W.metric("Chưa đủ khoảng cách", W.fig("people_blocked_by_interval", p["people_blocked_by_interval"],
                                               **which),
                 F.source_help("platform", judged, None, "Người chưa tiêm mũi này và không thể đủ khoảng cách tối "
                               "thiểu từ mũi trước đến hạn (khoảng cách đang áp dụng theo hướng dẫn của Bộ Y tế)."))
    with e2:
        # past the deadline nothing more can be reached: the figure says what the interval allowed before it
        W.metric("Tối đa đã có thể đạt trước hạn" if p["status"] == "missed" else "Tối đa có thể đạt",
                 W.fig("max_achievable_pct", p["max_achievable_pct"], "pct", **which),
                 help_text,
                 delta=f"chỉ tiêu {W.show(W.fig('threshold_pct', p['threshold_pct'], 'pct', **which))}", note=True)
    with e3:
        W.metric("Chống chỉ định", W.fig("people_contraindicated", p["people_contraindicated"], **which),
                 F.source_help("district_reports", judged, None, "Theo biểu mẫu báo cáo của huyện; – là chưa có."))
    with e4:
        W.metric("Hoãn tiêm", W.fig("people_deferred", p["people_deferred"], **which),
                 F.source_help("district_reports", judged, None, "Theo biểu mẫu báo cáo của huyện; – là chưa có."))

st.markdown("#### Các huyện, thành phố")
unit_cols = {
    "unit_name": W.Col("Đơn vị"), "status": W.Col("Tình trạng", words=F.DEADLINE_STATUS),
    "status_note": W.Col("Căn cứ", help="Quy tắc cho tình trạng này: đạt khi nào; trễ bao nhiêu ngày; không thể đạt "
                         "vì khoảng cách giữa hai mũi (xét trước tốc độ); hay dự kiến đạt theo tốc độ 7 ngày qua."),
    "achieved_pct": W.Col("Đã đạt", "pct"), "threshold_pct": W.Col("Chỉ tiêu", "pct", screen=False),
    "people_needed": W.Col("Còn thiếu", "int", help="Số người, đến ngày số liệu; 0 khi đã đạt, kể cả đạt sau hạn."),
    "people_short_at_deadline": W.Col("Thiếu tại ngày hạn", "int", screen=False),
    "required_daily_pace": W.Col("Cần tiêm/ngày", "num1", screen=False),
    "trailing_7d_pace": W.Col("Tốc độ 7 ngày/ngày", "num1", screen=False),
    "projected_date": W.Col("Dự kiến đạt", "date", help=F.PROJECTION_METHOD),
    "projected_date_low": W.Col("Sớm nhất", "date", screen=False),
    "projected_date_high": W.Col("Muộn nhất", "date", screen=False),
    "met_on": W.Col("Ngày đạt", "date", screen=False),
    "reached_date": W.Col("Đạt sau hạn", "date", screen=False), "days_late": W.Col("Trễ (ngày)", "int", screen=False),
    "max_achievable_pct": W.Col("Tối đa có thể đạt", "pct", screen=False),
    "people_blocked_by_interval": W.Col("Chưa đủ khoảng cách", "int", screen=False),
    "people_contraindicated": W.Col("Chống chỉ định", "int", screen=False),
    "people_deferred": W.Col("Hoãn tiêm", "int", screen=False),
    "population": W.Col("Mẫu số", "int", screen=False), "people_vaccinated": W.Col("Đã tiêm", "int", screen=False),
    "member": W.Col("Ủy viên phụ trách", screen=False), "district_secretary": W.Col("Bí thư huyện", screen=False),
}
note = (f"{F.dashed(t['title'])} ({F.deadline_text(t['deadline'], t['original_deadline'])}), số liệu đến ngày "
        f"{F.date(judged)}")
map_tab, chart_tab, table_tab = st.tabs(["Bản đồ", "Biểu đồ", "Bảng số liệu"])
with map_tab:
    # with the province's commune boundaries, the same share by commune on one map of the province
    if not M.commune_shapes(f.snapshot, scope).empty and st.radio(
            "Bản đồ theo", ("district", "commune"), key="dl_map_level", horizontal=True,
            format_func={"district": "huyện", "commune": "xã"}.get) == "commune":
        W.district_map(M.deadline_communes(f.snapshot, scope, f.as_of, target), M.commune_shapes(f.snapshot, scope),
                       "coverage", ("Đã tiêm", "Mẫu số", "Tỷ lệ đã đạt"), "dl_map_tinh_xa",
                       f"Tỷ lệ đã đạt của mọi xã ngày {F.date(judged)}; màu càng đậm càng thấp.", None,
                       note=M.note(f.snapshot))
    else:
        W.district_map(districts.rename(columns={"people_vaccinated": "numerator", "population": "denominator",
                                                 "achieved_pct": "value"}),
                       q.district_shapes(f.snapshot, scope), "coverage",
                       ("Đã tiêm", f"{F.POPULATION[t['population_version']].capitalize()} "
                                   f"{F.COHORT_LONG[t['cohort']].lower()}", "Tỷ lệ đã đạt"), "dl_map",
                       f"Tỷ lệ đã đạt của mỗi huyện ngày {F.date(judged)}, chỉ tiêu "
                       f"{W.show(W.fig('threshold_pct', t['threshold_pct'], 'pct', scope=t['target_id']))}; màu theo "
                       "tỷ lệ đã đạt, càng đậm càng thấp. Tình trạng (đạt, đúng tiến độ, có nguy cơ, trễ hạn) ở biểu "
                       "đồ và bảng số liệu.", f.meta["geo_missing_reason"])
with chart_tab:
    W.chart(C.target_bullets, districts, key="dl_bullets")
    st.caption(f"Tỷ lệ đạt ngày {F.date(judged)} (ngày tiêm); vạch đen: chỉ tiêu; hình thoi: tối đa có thể đạt "
               "trước hạn. Màu theo tình trạng.")
with table_tab:
    W.table(units, unit_cols, key="dl_units", file_name=f"tien_do_{target}_{judged:%Y%m%d}", note=note)

st.subheader("Đơn vị nào sẽ không kịp chỉ tiêu nào")
lagging = q.deadline_exceptions(f.snapshot, scope, f.as_of)
lagging = lagging.assign(status_note=[F.target_status_note(r, brief=True) for _, r in lagging.iterrows()])
if lagging.empty:
    st.success(f"Đến ngày {F.date(f.as_of)} không đơn vị nào có nguy cơ trễ hoặc đã trễ hạn chỉ tiêu.")
else:
    st.caption("Mọi chỉ tiêu, đơn vị có nguy cơ trễ hạn (theo tốc độ 7 ngày gần nhất) hoặc đã trễ hạn; bấm tiêu đề cột để "
               f"sắp xếp. Nguồn: {F.SOURCES['platform']}, {F.SOURCES['assignments']}.")
    W.table(lagging, {
        "unit_name": W.Col("Đơn vị"), "member": W.Col("Ủy viên", help="Ủy viên Ban Thường vụ Tỉnh ủy phụ trách huyện."),
        "district_secretary": W.Col("Bí thư huyện", screen=False),
        "short_title": W.Col("Chỉ tiêu", help="Nhóm tuổi và mũi; tên đầy đủ trong tệp Excel."),
        "status": W.Col("Tình trạng", words=F.DEADLINE_STATUS), "deadline": W.Col("Hạn", "date"),
        "status_note": W.Col("Căn cứ"),
        "threshold_pct": W.Col("Yêu cầu", "pct", screen=False), "achieved_pct": W.Col("Đã đạt", "pct", screen=False),
        "people_needed": W.Col("Còn thiếu", "int", help="Số người còn phải tiêm đến nay để đạt tỷ lệ yêu cầu; 0 khi "
                               "đã đạt sau hạn."),
        "people_short_at_deadline": W.Col("Thiếu tại ngày hạn", "int", screen=False),
        "reached_date": W.Col("Đạt sau hạn", "date", screen=False), "days_late": W.Col("Trễ (ngày)", "int", screen=False),
        "title": W.Col("Tên chỉ tiêu", screen=False),
        "projected_date": W.Col("Dự kiến đạt", "date", screen=False),
        "original_deadline": W.Col("Hạn ban đầu", "date", screen=False),
        "required_daily_pace": W.Col("Cần tiêm mỗi ngày", "num1", screen=False),
        "trailing_7d_pace": W.Col("Tốc độ 7 ngày", "num1", screen=False),
        "max_achievable_pct": W.Col("Tối đa có thể đạt", "pct", screen=False),
    }, key="dl_lagging", file_name=f"khong_kip_chi_tieu_{f.as_of:%Y%m%d}", max_rows=15,
        note=f"Đơn vị có nguy cơ hoặc không đạt chỉ tiêu, đến ngày {F.date(f.as_of)}")


# A fragment: choosing a district reruns only its communes, not the page.
@st.fragment
def communes_needed() -> None:
    names = dict(zip(districts["unit_code"], districts["unit_name"]))
    district = st.selectbox("Huyện, thành phố", [None, *names], key="dl_district",
                            format_func=lambda c: "— chọn huyện —" if c is None else names.get(c, c),
                            placeholder="Chọn…")
    if district:
        communes = q.deadline_communes(f.snapshot, scope, f.as_of, target, district)
        shapes = M.commune_shapes(f.snapshot, scope, district)
        if not shapes.empty:  # the district's communes on its map: the share of the target's cohort reached
            W.district_map(communes.rename(columns={"people_vaccinated": "numerator", "population": "denominator",
                                                    "achieved_pct": "value"}), shapes, "coverage",
                           ("Đã tiêm", "Mẫu số", "Tỷ lệ đã đạt"), "dl_map_xa",
                           f"Tỷ lệ đã đạt của mỗi xã của {F.md(names[district])}, ngày {F.date(judged)}; màu càng "
                           "đậm càng thấp.", None, note=M.note(f.snapshot))
        st.caption(f"Chỉ tiêu: {F.md(F.dashed(t['title']))}. Còn thiếu = làm tròn lên (chỉ tiêu × mẫu số ÷ 100) − đã tiêm, "
                   "không âm; "
                   f"số liệu đến ngày {F.date(judged)}, nguồn {F.SOURCES['platform']}.")
        W.table(communes, {"unit_name": W.Col("Xã, phường, thị trấn"), "people_needed": W.Col("Còn thiếu (người)", "int"),
                           "achieved_pct": W.Col("Đã đạt", "pct", bar="Mức đạt"),
                           "people_vaccinated": W.Col("Đã tiêm", "int"), "population": W.Col("Mẫu số", "int"),
                           "target_people": W.Col("Cần đạt (người)", "int")},
                key="dl_communes", file_name=f"xa_con_thieu_{district}_{target}_{judged:%Y%m%d}", max_rows=20,
                note=f"{names[district]} — {note}")


st.subheader("Các xã cần tiêm thêm bao nhiêu người")
communes_needed()

st.subheader("Hạn báo cáo và mốc kế hoạch")
summary = q.target_report_summary(f.snapshot, scope, f.as_of)
if summary.empty:
    st.info(f"Không có hạn báo cáo hay mốc kế hoạch nào đến ngày {F.date(f.as_of)}.")
else:
    st.caption(f"Tình hình đến ngày {F.date(f.as_of)} (ngày tỉnh nhận báo cáo); báo cáo tuần của huyện: 4 tuần gần "
               f"nhất. Nguồn: {F.SOURCES['submissions']}.")
    W.table(summary, {"title": W.Col("Báo cáo, mốc kế hoạch"), "due_date": W.Col("Hạn", "date"),
                      "on_time": W.Col("Đúng hạn", "int"), "late": W.Col("Muộn", "int"),
                      "missing": W.Col("Chưa nộp", "int"), "missing_units": W.Col("Đơn vị chưa nộp"),
                      "upcoming": W.Col("Chưa đến hạn", "int", screen=False),
                      "expected": W.Col("Số đơn vị", "int", screen=False),
                      "source_document": W.Col("Văn bản", screen=False)},
            key="dl_reports", file_name=f"han_bao_cao_{f.as_of:%Y%m%d}", max_rows=10,
            note=f"Hạn báo cáo và mốc kế hoạch, đến ngày {F.date(f.as_of)}")
    with st.expander("Từng đơn vị, từng báo cáo"):
        detail = q.target_reports(f.snapshot, scope, f.as_of)
        W.table(detail, {"unit_name": W.Col("Đơn vị"), "title": W.Col("Báo cáo, mốc kế hoạch"),
                         "due_date": W.Col("Hạn", "date"), "state_text": W.Col("Tình trạng"),
                         "received_date": W.Col("Ngày nhận", "date"),
                         "source_document": W.Col("Văn bản", screen=False)},
                key="dl_report_units", file_name=f"han_bao_cao_don_vi_{f.as_of:%Y%m%d}", max_rows=15,
                row_key=("unit_code", "report_kind", "due_date"),
                note=f"Hạn báo cáo theo đơn vị, đến ngày {F.date(f.as_of)}")
