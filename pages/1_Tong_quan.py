"""Tổng quan: the headline the committee reads, F0 and its trend, facility load, vaccine on hand, and the most urgent
exceptions across districts, each linking to the page that explains it."""
import streamlit as st

from app import formatting as F
from app import ledger_view as LV
from app import queries as q
from app import signin
from app import stockdata as SD
from app import widgets as W
from app.frame import PAGE, frame

f = frame("Tổng quan")

def from_snapshot() -> None:
    """Everything up to the ledger: a function of the snapshot, the scope and the as-of date only (no widget), so it is
    built once for them and replayed to every viewer after (W.section)."""
    st.subheader("Tiêm chủng")
    head = q.coverage_headline(f.snapshot, f.scope, f.as_of, "start")
    if head.empty:
        st.info(f"Nền tảng tiêm chủng chưa có số liệu đến ngày {F.date(f.as_of)}.")
    else:
        vax_date = head["as_of_date"].iloc[0]
        st.markdown(f"#### {F.headline(head)}")
        st.caption(f"Tỷ lệ người đã tiêm ≥ mũi k trên dân số đầu kỳ của nhóm tuổi; nguồn {F.SOURCES['platform']}, "
                   f"số liệu đến ngày {F.date(vax_date)}; mũi tên: thay đổi so với 7 ngày trước (điểm phần trăm).")
        for cohort in F.COHORTS:
            rows = head[head["cohort"] == cohort]
            for col, r in zip(st.columns(4), rows.itertuples()):
                with col:
                    which = {"scope": f.scope_key, "cohort": r.cohort, "dose": r.dose, "population": "start"}
                    W.metric(
                        f"{F.COHORT_SHORT[r.cohort]} {F.dose_label(r.dose)}", W.fig("coverage_pct", r.coverage_pct, "pct",
                                                                                    **which),
                        delta=(f"{W.show(W.fig('change_7d_pp', r.change_7d_pp, 'pp', **which))} điểm % / 7 ngày"
                               if not F.missing(r.change_7d_pp) else None),
                        help=F.source_help("platform", r.as_of_date,
                                           f"{F.POPULATION['start']} {F.COHORT_LONG[r.cohort].lower()}: "
                                           f"{W.show(W.fig('population', r.population, **which))}",
                                           f"**Tử số:** {W.show(W.fig('people', r.people, **which))} người đã tiêm ≥ "
                                           f"{F.dose_label(r.dose)}; 7 ngày qua thêm "
                                           f"{W.show(W.fig('people_added_7d', r.people_added_7d, **which))} người."),
                    )
        flagged = head[head["over_100"]]
        if not flagged.empty:
            st.warning(F.over_100_headline_text(flagged))

    st.subheader("Ca bệnh (F0)")
    cases = q.cases_summary(f.snapshot, f.scope, f.as_of)
    if cases is None:
        st.info(f"Chưa có báo cáo ca bệnh đến ngày {F.date(f.as_of)}.")
    else:
        day = F.date(cases["report_date"])
        filling = "" if cases["is_complete"] else " (chưa đủ xã báo cáo: số còn tăng)"
        reporting = (f"{W.show(W.fig('communes_reporting', cases['communes_reporting'], scope=f.scope_key))}/"
                     f"{W.show(W.fig('communes_expected', cases['communes_expected'], scope=f.scope_key))}")
        help_cases = F.source_help("cases", cases["report_date"], None, f"{reporting} xã đã báo cáo ngày {day}{filling}.")
        # one date basis for every 7-day figure (cases_summary.basis_date): the last day every commune had reported
        basis = F.basis_label(cases["basis_date"], cases["basis_complete"])
        help_week = (help_cases + f"  \nTrung bình 7 ngày, F0 7 ngày /100.000 dân và xu hướng: {basis}; ngày chưa đủ "
                     "xã báo cáo không dùng (số còn tăng).")
        week = {"scope": f.scope_key, "basis": "complete_days"}  # app.figures: the headline's 7 days
        change, change_pct = cases["new_f0_7d_change_by_report_date"], cases["new_f0_7d_change_pct_by_report_date"]
        c1, c2, c3, c4 = st.columns(4)
        with c1:
            W.metric(f"F0 mới ngày {day}", W.fig("new_f0", cases["new_f0"], scope=f.scope_key), help=help_cases,
                     delta="chưa đủ xã báo cáo" if filling else None, note=True)
        with c2:
            W.metric("Trung bình 7 ngày (lùi)", W.fig("new_f0_7d_avg_by_report_date",
                                                       cases["new_f0_7d_avg_by_report_date"], "num1", scope=f.scope_key,
                                                       basis="complete_days"),
                     delta=(f"{W.show(W.fig('new_f0_7d_change_by_report_date', change, 'signed', **week))} ca "
                            f"({W.show(W.fig('new_f0_7d_change_pct_by_report_date', change_pct, 'signed_pct1', **week))})"
                            " / 7 ngày" if not F.missing(change) else None),
                     delta_color="inverse",
                     help=help_week + "  \nMũi tên: tổng F0 của 7 ngày đó so với 7 ngày trước đó; tăng là xấu.")
        with c3:
            W.metric("Xu hướng 7 ngày", W.fig("direction", cases["direction"], F.DIRECTION, scope=f.scope_key,
                                              basis="complete_days"), help=help_week,
                     delta=f"đến ngày {F.date(cases['trend_date'])}" if not F.missing(cases["trend_date"])
                     else "chưa có ngày đủ báo cáo", note=True)
        with c4:
            W.metric("F0 7 ngày /100.000 dân", W.fig("new_f0_7d_per_100k_by_report_date",
                                                      cases["new_f0_7d_per_100k_by_report_date"], "num1",
                                                      scope=f.scope_key, basis="complete_days"),
                     help=F.source_help("cases", cases["basis_date"],
                                        f"tổng dân số đầu kỳ {W.show(W.fig('population_total', cases['population'], **week))}",
                                        f"{basis}."))
        st.caption(f"Trung bình 7 ngày, xu hướng và F0 7 ngày /100.000 dân: {basis}."
                   + (f" F0 mới ngày {day}: chưa đủ xã báo cáo ({reporting} xã)." if filling else ""))
        # "tuyệt đối không để ... không được cấp phát thuốc, không được quản lý, theo dõi sức khỏe"
        on_day = {"scope": f.scope_key}

        def gap(figure: str, kind: str = "int") -> str:
            return W.show(W.fig(figure, cases[figure], kind, **on_day))

        gap_text = (f"F0 chưa được cấp thuốc: **{gap('without_antiviral')}** ({gap('without_antiviral_pct', 'pct')}); "
                    f"chưa được theo dõi: **{gap('not_monitored')}** ({gap('not_monitored_pct', 'pct')}) — trên "
                    f"{W.show(W.fig('active_total', cases['active'], **on_day))} F0 đang điều trị, ngày {day}.")
        if not F.missing(cases["gap_growing_in"]):
            st.warning(gap_text + f" Tăng so với hôm trước ở: {F.md(cases['gap_growing_in'])}.")
        elif cases["has_gap"]:
            st.warning(gap_text)
        else:
            st.caption(gap_text)
        st.page_link(PAGE["Ca bệnh F0"], label="→ Xem F0 theo huyện, theo xã và F0 chưa được chăm sóc")

    st.subheader("Cơ sở thu dung, điều trị")
    load = q.facility_load(f.snapshot, f.scope, f.as_of)
    if load.empty:
        st.info(f"Chưa có báo cáo hoạt động cơ sở điều trị đến ngày {F.date(f.as_of)}.")
    else:
        # a second source of F0 in facilities: the F0 page counts them from the daily case reports
        st.caption(f"Theo báo cáo của cơ sở điều trị (người bệnh đang điều trị tại cơ sở), ngày "
                   f"{', '.join(sorted({F.date(d) for d in load['status_date']}))}. Trang Ca bệnh F0 đếm F0 điều trị tại "
                   "cơ sở theo báo cáo ca bệnh: hai nguồn khác nhau.")
        cols = st.columns(len(load))
        for col, r in zip(cols, load.itertuples()):
            tier = "Cơ sở của tỉnh và huyện" if r.tier_group == "local" else "Bệnh viện tuyến trên"
            tier_of = {"scope": f.scope_key, "tier": r.tier_group}  # app.figures

            def tier_fig(figure: str, value: object, kind: str = "int") -> str:
                return W.show(W.fig(figure, value, kind, **tier_of))

            help_fac = F.source_help("facility_status", r.status_date,
                                     f"định mức giường được giao: {tier_fig('bed_quota', r.bed_quota)}",
                                     f"Theo báo cáo của cơ sở điều trị: "
                                     f"{tier_fig('facilities_reporting', r.facilities_reporting)}/"
                                     f"{tier_fig('facilities_open', r.facilities_open)} cơ sở đã báo cáo; giường sẵn sàng "
                                     f"{tier_fig('beds_ready', r.beds_ready)}, công suất sử dụng "
                                     f"{tier_fig('occupancy_pct', r.occupancy_pct, 'pct')}.")
            with col:
                W.metric(f"{tier}: đang điều trị so với định mức",
                         W.fig("load_vs_quota_pct", r.load_vs_quota_pct, "pct", **tier_of),
                         delta=(f"{tier_fig('occupied', r.occupied)} / {tier_fig('bed_quota', r.bed_quota)} giường; "
                                f"{tier_fig('facilities_over_quota', r.facilities_over_quota)} cơ sở vượt"),
                         note=True, help=help_fac)
        # the check comparing both sources (etl/sql/checks/facility_vs_case_reports.sql), linked when it flags anything
        apart = q.check_rows(f.snapshot, f.scope, "facility_vs_case_reports")
        if not apart.empty:
            province_row = apart[apart["unit_level"] == "province"]
            shown = province_row if not province_row.empty else apart
            st.warning(f"Hai nguồn lệch nhau ở {W.show(W.fig('rows_flagged', len(apart), scope='facility_vs_case_reports'))} đơn vị — {F.md(shown['unit_name'].iloc[0])}, ngày "
                       f"{F.date(shown['ref_date'].iloc[0])}: {F.md(shown['detail'].iloc[0])}.")
            st.page_link(PAGE["Chất lượng số liệu"], label="→ Xem kiểm tra: F0 tại cơ sở, báo cáo ca bệnh so với báo cáo "
                         "của cơ sở điều trị", query_params={"kiem_tra": "facility_vs_case_reports"})

    st.subheader("Vắc xin trong kho")
    stock = SD.stock_overview(f.snapshot, f.scope, f.as_of)
    if stock is None:
        st.info(f"Chưa có sổ theo dõi vắc xin đến ngày {F.date(f.as_of)}.")
    else:
        help_stock = F.source_help("stock", stock["ledger_date"], None,
                                   "Liều còn hạn: số đếm thực tế gần nhất, nếu chưa có thì số dư sổ sách; kho tỉnh và kho "
                                   "các huyện trong phạm vi xem.")
        c1, c2, c3 = st.columns([1, 1.6, 1.4])
        with c1:
            W.metric("Liều vắc xin còn hạn", W.fig("on_hand", stock["on_hand"], scope=f.scope_key, stock="unexpired"),
                     help=help_stock)
        with c2:
            W.metric("Lô hết hạn sớm nhất", W.fig("soonest_expiry", stock["soonest_expiry"], "date", scope=f.scope_key),
                     delta=(f"{F.md(stock['soonest_product'])} lô {F.md(stock['soonest_lot'])}, "
                            f"{F.md(stock['soonest_store'])}"), note=True,
                     help=help_stock)
        with c3:
            W.metric("Liều có thể hết hạn chưa dùng", W.fig("doses_at_risk", stock["doses_at_risk"], scope=f.scope_key),
                     note=True,
                     delta=f"{W.show(W.fig('lots_at_risk', stock['lots_at_risk'], scope=f.scope_key))} lô",
                     help=f"{help_stock}  \n{SD.AT_RISK_TEXT}")

    st.subheader("Việc cần xử lý ngay")
    over = q.facilities(f.snapshot, f.scope, f.as_of, only_over_quota=True)
    st.markdown(f"**Cơ sở điều trị vượt định mức giường** "
                f"({W.show(W.fig('facilities_over_quota', len(over), scope=f.scope_key, tier='all'))})")
    if load.empty:
        st.caption("Chưa có báo cáo hoạt động cơ sở điều trị: chưa xét được.")
    elif over.empty:
        st.caption("Không có cơ sở nào vượt định mức.")
    else:
        W.table(over, {"facility_name": W.Col("Cơ sở"), "district_name": W.Col("Địa bàn"),
                               "occupied": W.Col("Đang điều trị", "int"), "bed_quota": W.Col("Định mức", "int"),
                               "load_vs_quota_pct": W.Col("% định mức", "pct")},
                key="exc_facilities", download=False, file_name=f"co_so_vuot_dinh_muc_{f.as_of:%Y%m%d}",
                extract=W.Extract("cơ sở", "xếp theo mức so với định mức, cao nhất trước",
                                  ("occupied", "người bệnh đang điều trị")))
    st.page_link(PAGE["Cơ sở thu dung, điều trị"], label="→ Xem tải các cơ sở điều trị")

    risk = SD.stock_lots(f.snapshot, f.scope, f.as_of, only_at_risk=True)
    # one row per lot in each store: the headline counts lots, the table their stores
    risk_rows = W.show(W.fig("lot_store_rows_at_risk", len(risk), scope=f.scope_key))
    counted = (f"{W.show(W.fig('lots_at_risk', stock['lots_at_risk'], scope=f.scope_key))} lô, {risk_rows} dòng theo kho"
               if stock is not None else risk_rows)
    st.markdown(f"**Lô vắc xin sẽ hết hạn trước khi dùng hết với tốc độ tiêm hiện nay** ({counted})")
    if stock is None:
        st.caption("Chưa có sổ theo dõi vắc xin: chưa xét được.")
    elif risk.empty:
        st.caption("Không có lô nào có nguy cơ.")
    else:
        W.table(risk, {"store_name": W.Col("Kho"), "product": W.Col("Vắc xin"), "lot": W.Col("Số lô"),
                               "expiry_date": W.Col("Hạn dùng", "date"), "on_hand": W.Col("Liều còn", "int"),
                               "doses_at_risk": W.Col("Có nguy cơ hủy", "int")},
                key="exc_lots", download=False, file_name=f"lo_vac_xin_nguy_co_{f.as_of:%Y%m%d}",
                extract=W.Extract("dòng (lô × kho)", "xếp theo hạn dùng, sớm nhất trước",
                                  ("doses_at_risk", "liều có nguy cơ hủy")))
    st.page_link(PAGE["Vắc xin tồn kho"], label="→ Xem tồn kho theo lô và hạn dùng")

    # report vs platform: one definition with the data-quality page (reconciliation_flags: each district's latest weekly
    # report), counted at the level the table shows (huyện × nhóm tuổi × mũi), the communes' rows named apart
    district_flags = q.reconciliation_flags(f.snapshot, f.scope, f.as_of, "district")
    commune_flags = q.reconciliation_flags(f.snapshot, f.scope, f.as_of, "commune")
    rec_dates = sorted(set(q.reconciliation_units(f.snapshot, f.scope, f.as_of)["report_date"]))
    # the same count on the data-quality page (app.figures checks it)
    district_count = W.show(W.fig("report_vs_platform_district_rows", len(district_flags), scope=f.scope_key))
    commune_count = W.show(W.fig("report_vs_platform_commune_rows", len(commune_flags), scope=f.scope_key))
    st.markdown(f"**Báo cáo tuần của huyện lệch quá 10% so với nền tảng tiêm chủng** ({district_count} dòng "
                "huyện × nhóm tuổi × mũi)")
    if not rec_dates:
        st.caption(f"Chưa có biểu mẫu báo cáo của huyện đến ngày {F.date(f.as_of)}: chưa đối chiếu được.")
    else:
        when = (F.date(rec_dates[0]) if len(rec_dates) == 1
                else f"{F.date(rec_dates[0])} đến {F.date(rec_dates[-1])}")
        st.caption(f"Báo cáo tuần gần nhất của mỗi huyện (ngày {when}), so với nền tảng cùng ngày: "
                   f"{district_count} dòng huyện × nhóm tuổi × mũi lệch quá 10%; ở cấp xã "
                   f"{commune_count} dòng xã × nhóm tuổi × mũi (trang Chất lượng "
                   "số liệu).")
        if district_flags.empty:
            st.caption("Không có huyện nào lệch quá ngưỡng trong báo cáo gần nhất.")
        else:
            W.table(district_flags,
                    {"district_name": W.Col("Huyện"), "report_date": W.Col("Ngày báo cáo", "date"),
                     "cohort": W.Col("Nhóm tuổi", words=F.COHORT_SHORT), "dose": W.Col("Mũi", "int"),
                     "reported": W.Col("Huyện báo cáo", "int"), "platform": W.Col("Nền tảng", "int"),
                     "ratio_pct": W.Col("Báo cáo / nền tảng", "pct")},
                    key="exc_reconciliation", download=False, file_name=f"lech_so_lieu_{f.as_of:%Y%m%d}",
                    extract=W.Extract("dòng (huyện × nhóm tuổi × mũi)", "xếp theo mức lệch, lớn nhất trước"))
    st.page_link(PAGE["Chất lượng số liệu"], label="→ Xem đối chiếu số liệu và báo cáo của các huyện")


W.section(("overview", f.snapshot, f.scope, f.as_of), from_snapshot)

# the reconciliation ledger's open items: the data-quality page's count, by the same merge (app.ledger_view)
units = q.discrepancy_units(f.snapshot, f.scope)
ledger = LV.merged(f.snapshot, f.scope, f.as_of,
                   signin.state_of(f.settings).ledger_entries(tuple(units["unit_code"])))
st.markdown(f"**Sổ theo dõi chênh lệch: "
            f"{W.show(W.fig('ledger_open_items', LV.open_count(ledger), scope=f.scope_key))} mục đang mở**")
st.page_link(PAGE["Chất lượng số liệu"], label="→ Xem và cập nhật sổ theo dõi chênh lệch")

deadlines = q.deadline_exceptions(f.snapshot, f.scope, f.as_of)
st.markdown(f"**Chỉ tiêu tiêm chủng có nguy cơ trễ hạn hoặc đã trễ hạn** "
            f"({W.show(W.fig('deadline_exception_rows', len(deadlines), scope=f.scope_key))})")
if deadlines.empty:
    st.caption(f"Không có chỉ tiêu nào có nguy cơ trễ hạn (số liệu đến ngày {F.date(f.as_of)}).")
else:
    st.caption(f"Theo số liệu tiêm chủng đến ngày {F.date(deadlines['as_of_date'].iloc[0])} (nguồn: "
               f"{F.SOURCES['platform']}); chỉ tiêu, tỷ lệ yêu cầu và hạn theo văn bản chỉ đạo. Có nguy cơ trễ hạn: "
               "với tốc độ tiêm trung bình 7 ngày qua sẽ không đạt tỷ lệ yêu cầu trước hạn. Bảng Excel có mọi dòng, "
               "cùng tốc độ tiêm cần và đang đạt.")
    W.table(deadlines, {"short_title": W.Col("Chỉ tiêu"), "title": W.Col("Chỉ tiêu (đầy đủ)", screen=False),
                        "unit_name": W.Col("Đơn vị"),
                        "status": W.Col("Tình trạng", words=F.DEADLINE_STATUS), "deadline": W.Col("Hạn", "date"),
                        "threshold_pct": W.Col("Yêu cầu", "pct"),
                        "achieved_pct": W.Col("Đã đạt", "pct", help="Tỷ lệ đạt ngày đang xem; hạn đã qua thì tỷ lệ "
                                                                     "đạt vào ngày hết hạn."),
                        "people_needed": W.Col("Còn thiếu (người)", "int"),
                        "required_daily_pace": W.Col("Cần tiêm mỗi ngày", "num1", screen=False),
                        "trailing_7d_pace": W.Col("Đang tiêm mỗi ngày (7 ngày qua)", "num1", screen=False),
                        "projected_date": W.Col("Dự kiến đạt", "date",
                                                help="Ngày dự kiến đạt tỷ lệ yêu cầu theo tốc độ tiêm trung bình 7 "
                                                     "ngày qua; để trống khi 7 ngày qua không tiêm thêm.")},
            key="exc_deadlines", file_name=f"chi_tieu_tre_han_{f.as_of:%Y%m%d}",
            # no total: the province's people short already count its districts'
            extract=W.Extract("dòng (chỉ tiêu × đơn vị)", "xếp theo hạn: hạn chưa qua trước, gần nhất trên cùng",
                              limit=10),
            note=f"Chỉ tiêu có nguy cơ trễ hạn hoặc đã trễ hạn, số liệu đến ngày {F.date(f.as_of)}")
st.page_link(PAGE["Tiến độ thực hiện chỉ tiêu"], label="→ Xem tiến độ từng chỉ tiêu theo huyện, theo xã")
