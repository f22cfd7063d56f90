"""Huyện của tôi: what a standing-committee member opens first. For each district assigned to them (the committee, the
health department and the administrators pick one district of the province at a time), the exceptions first — coverage
targets missed or at risk with the people still needed, the pace required and achieved and the district secretary who
answers for them, F0 rising, F0 left without medicine or monitoring and growing, facilities over their bed quota,
reports late or missing — then a few of the district's figures beside the province's, then what changed since the
province's last briefing (app.changes_view: target statuses, coverage, F0, exceptions new and resolved, figures of days
already briefed that a resent report changed).

Every exception comes from the scoped query the overview and the other pages draw from, called with the one district as
scope (one definition, no copy); the province's figures are its aggregates only (coverage summed over every district,
the province's row of the F0 table), never another district's row."""
import streamlit as st

from app import changes_view as CV
from app import formatting as F
from app import ledger_view as LV
from app import signin
from app import queries as q
from app import widgets as W
from app.frame import PAGE, frame
from app.signin import WHOLE_PROVINCE

f = frame("Huyện của tôi")

districts = q.districts(f.snapshot, f.scope)
names = dict(zip(districts["district_code"], districts["district_name"], strict=True))
whole = "cả nước" if f.national else "toàn tỉnh"
if f.account.role in WHOLE_PROVINCE:  # one district of the province at a time
    st.caption("Trang của Ủy viên Ban Thường vụ Tỉnh ủy phụ trách địa bàn: việc cần xử lý của một huyện trước, rồi "
               f"huyện so với {whole}. Chọn huyện để xem.")
    shown = [st.selectbox("Huyện, thành phố", list(names), key="my_district", format_func=names.get,
                          placeholder="Chọn…")]
elif f.account.role == "member":
    st.caption("Các huyện, thành phố được phân công phụ trách: việc cần xử lý trước (Ủy viên Ban Thường vụ chịu trách "
               f"nhiệm trước Ban Thường vụ Tỉnh ủy về địa bàn phụ trách), rồi từng huyện so với {whole}.")
    shown = list(names)
else:  # a district's own account
    st.caption(f"Việc cần xử lý của huyện trước, rồi huyện so với {whole}.")
    shown = list(names)

# the province's aggregates, the same for every district shown
province_head = q.coverage_headline(f.snapshot, q.all_districts(f.snapshot), f.as_of)
PROVINCE = str(f.meta["province_code"])
COMPARED = (("18+", 2), ("18+", 3), ("12-17", 2))


def deadlines(code: str) -> None:
    """Coverage targets the district missed or will miss at the current pace (the overview's exceptions, its rows)."""
    rows = q.deadline_exceptions(f.snapshot, (code,), f.as_of)
    rows = rows[rows["unit_code"] == code]  # the province's own rows stand on the overview
    missed = rows[rows["status"] == "missed"]
    at_risk = rows[rows["status"] == "at_risk"]

    def count(part, status: str | None = None) -> str:
        return W.show(W.fig("deadline_exception_rows", len(part), scope=code, unit_level="district", status=status))

    st.markdown(f"**Chỉ tiêu tiêm chủng trễ hạn hoặc có nguy cơ trễ hạn** ({count(rows)}: trễ hạn "
                f"{count(missed, 'missed')}, có nguy cơ {count(at_risk, 'at_risk')})")
    if rows.empty:
        st.caption(f"Không có chỉ tiêu nào trễ hạn hoặc có nguy cơ trễ hạn (số liệu đến ngày {F.date(f.as_of)}).")
        return
    secretary = rows["district_secretary"].iloc[0]
    answers = ("Bí thư huyện ủy (chưa có trong tệp phân công phụ trách địa bàn)" if F.missing(secretary)
               else f"Bí thư huyện ủy **{F.md(secretary)}**")
    st.caption(f"Chịu trách nhiệm: {answers}. Theo số liệu tiêm chủng đến ngày "
               f"{F.date(rows['as_of_date'].iloc[0])} ({F.SOURCES['platform']}); còn thiếu: số người còn phải tiêm "
               "để đạt tỷ lệ yêu cầu (0 khi đã đạt sau hạn); cần tiêm mỗi ngày: để kịp hạn (hạn đã qua thì không "
               "tính); đang tiêm: trung bình 7 ngày qua.")
    W.table(rows, {"short_title": W.Col("Chỉ tiêu"), "title": W.Col("Chỉ tiêu (đầy đủ)", screen=False),
                   "status": W.Col("Tình trạng", words=F.DEADLINE_STATUS), "deadline": W.Col("Hạn", "date"),
                   "threshold_pct": W.Col("Yêu cầu", "pct", screen=False), "achieved_pct": W.Col("Đã đạt", "pct"),
                   "people_needed": W.Col("Còn thiếu (người)", "int"),
                   "required_daily_pace": W.Col("Cần tiêm/ngày", "num1"),
                   "trailing_7d_pace": W.Col("Đang tiêm/ngày", "num1", help="Trung bình 7 ngày qua."),
                   "projected_date": W.Col("Dự kiến đạt", "date", screen=False),
                   "district_secretary": W.Col("Bí thư huyện", screen=False),
                   "member": W.Col("Ủy viên phụ trách", screen=False)},
            key=f"my_deadlines_{code}", file_name=f"chi_tieu_tre_han_{code}_{f.as_of:%Y%m%d}", max_rows=10,
            note=f"{names[code]}: chỉ tiêu trễ hạn hoặc có nguy cơ trễ hạn, số liệu đến ngày {F.date(f.as_of)}")


def cases(code: str, row) -> None:
    """F0 rising: the district's row of the F0 table (direction over complete days only)."""
    st.markdown("**F0 tăng**")
    if row is None:
        st.caption(f"Chưa có báo cáo ca bệnh của huyện đến ngày {F.date(f.as_of)}.")
        return
    rate = W.show(W.fig("new_f0_7d_per_100k_by_report_date", row.new_f0_7d_per_100k_by_report_date, "num1",
                        scope=code))
    week = W.show(W.fig("new_f0_7d_sum", row.new_f0_7d_sum, scope=code))
    direction = W.show(W.fig("trend_direction", row.trend_direction, F.DIRECTION, scope=code))
    text = (f"F0 mới 7 ngày đến ngày báo cáo {F.date(row.report_date)}: {week} ca ({rate} /100.000 dân); xu hướng "
            f"7 ngày **{direction}** (so 7 ngày đến "
            f"{F.date(row.trend_date)}, ngày gần nhất mọi xã của huyện đã báo cáo, với 7 ngày trước đó).")
    if row.trend_direction == "up":
        st.warning(f"F0 đang tăng: {text}")
    else:
        st.caption(f"Không có dấu hiệu F0 tăng: {text}")


def care(code: str) -> None:
    """F0 left without medicine or monitoring, and whether either grew since the day before."""
    st.markdown("**F0 chưa được cấp thuốc, chưa được theo dõi**")
    gaps = q.care_gap_units(f.snapshot, (code,), f.as_of)
    if gaps.empty:
        st.caption(f"Chưa có báo cáo ca bệnh của huyện đến ngày {F.date(f.as_of)}.")
        return
    g = gaps.iloc[0]

    def fig(figure: str, kind: str = "int") -> str:
        return W.show(W.fig(figure, g[figure], kind, scope=code))

    text = (f"chưa được cấp thuốc **{fig('without_antiviral')}** ({fig('without_antiviral_pct', 'pct')}), chưa được "
            f"theo dõi **{fig('not_monitored')}** ({fig('not_monitored_pct', 'pct')}) trên "
            f"{fig('active_total')} F0 đang điều trị, ngày {F.date(g['report_date'])}")
    if g["gap_growing"] == True:  # noqa: E712  (NULL = not known, not growing)
        st.warning(f"Tăng so với hôm trước: {text} (thay đổi: chưa được cấp thuốc "
                   f"{fig('without_antiviral_change', 'signed')}, chưa được theo dõi "
                   f"{fig('not_monitored_change', 'signed')}).")
    elif g["without_antiviral"] > 0 or g["not_monitored"] > 0:
        st.markdown(f"Không tăng so với hôm trước: {text}.")
    else:
        st.caption(f"Không có F0 nào chưa được cấp thuốc hay chưa được theo dõi: {text}.")


def facilities(code: str) -> None:
    """The district's own treatment facilities over their bed quota (the province's and upper-level ones are not the
    district's: the overview and the facilities page show them)."""
    own = q.facilities(f.snapshot, (code,), f.as_of)
    own = own[own["district_name"] == names[code]]
    over = q.facilities(f.snapshot, (code,), f.as_of, only_over_quota=True)
    over = over[over["district_name"] == names[code]]
    count = W.show(W.fig("facilities_over_quota", len(over), scope=code, located="district"))
    st.markdown(f"**Cơ sở điều trị của huyện vượt định mức giường** ({count})")
    if own.empty:
        st.caption(f"Huyện không có cơ sở điều trị tập trung nào báo cáo hoạt động đến ngày {F.date(f.as_of)}.")
    elif over.empty:
        st.caption(f"Không có cơ sở nào của huyện vượt định mức (báo cáo ngày {F.date(own['status_date'].iloc[0])}).")
    else:
        W.table(over, {"facility_name": W.Col("Cơ sở"), "occupied": W.Col("Đang điều trị", "int"),
                       "bed_quota": W.Col("Định mức", "int"), "load_vs_quota_pct": W.Col("% định mức", "pct"),
                       "beds_ready": W.Col("Giường sẵn sàng", "int")},
                key=f"my_facilities_{code}", download=False, file_name=f"co_so_vuot_dinh_muc_{code}_{f.as_of:%Y%m%d}")


def ledger(code: str) -> None:
    """The district's open items of the reconciliation ledger (its own units; the province's rows are the
    overview's), by the data-quality page's merge (app.ledger_view)."""
    units = q.discrepancy_units(f.snapshot, (code,))
    merged = LV.merged(f.snapshot, (code,), f.as_of,
                       signin.state_of(f.settings).ledger_entries(tuple(units["unit_code"])))
    own = merged[merged["district_code"] == code]
    st.markdown(f"**Sổ theo dõi chênh lệch:** "
                f"{W.show(W.fig('ledger_open_items', LV.open_count(own), scope=code, located='district'))} mục "
                "đang mở")
    st.page_link(PAGE["Chất lượng số liệu"], label="→ Xem và cập nhật sổ theo dõi chênh lệch")


def reports(code: str) -> None:
    """The district's reports to the province not sent by their due date, or sent late, judged on the as-of date."""
    subs = q.report_submissions(f.snapshot, (code,), f.as_of)
    late = subs[(subs["district_code"] == code) & subs["status"].isin(["missing", "late"])]
    missing = W.show(W.fig("report_rows", len(late[late["status"] == "missing"]), scope=code, status="missing"))
    sent_late = W.show(W.fig("report_rows", len(late[late["status"] == "late"]), scope=code, status="late"))
    st.markdown(f"**Báo cáo gửi tỉnh chưa nộp hoặc nộp muộn** (chưa nộp {missing}, nộp muộn {sent_late})")
    if late.empty:
        st.caption(f"Không có báo cáo nào chưa nộp hay nộp muộn (các báo cáo có hạn đến ngày {F.date(f.as_of)}).")
        return
    st.caption(f"Báo cáo có hạn đến ngày {F.date(f.as_of)}, tình trạng tính đến ngày đó; chưa nộp trước. Nguồn: "
               f"{F.SOURCES['submissions']}.")
    W.table(late, {"title": W.Col("Báo cáo"), "due_date": W.Col("Hạn", "date"), "state_text": W.Col("Tình trạng"),
                   "received_date": W.Col("Ngày nhận", "date", screen=False),
                   "days_late": W.Col("Số ngày muộn", "int", screen=False)},
            key=f"my_reports_{code}", download=False, file_name=f"bao_cao_{code}_{f.as_of:%Y%m%d}",
            row_key=("unit_code", "report_kind", "due_date"))


def compared(code: str, row, province_row) -> None:
    """A few of the district's figures, each with the province's beside it."""
    st.markdown(f"**So với {whole}**")
    head = q.coverage_headline(f.snapshot, (code,), f.as_of)
    columns = iter(st.columns(4))  # the three coverage figures, then F0
    for cohort, dose in COMPARED:
        mine = head[(head["cohort"] == cohort) & (head["dose"] == dose)]
        theirs = province_head[(province_head["cohort"] == cohort) & (province_head["dose"] == dose)]
        if mine.empty:
            continue
        r = mine.iloc[0]
        which = {"cohort": cohort, "dose": dose, "population": "start"}  # app.figures, as the overview names them
        beside = ("" if theirs.empty else
                  W.show(W.fig("coverage_pct", theirs["coverage_pct"].iloc[0], "pct", scope=PROVINCE, **which)))
        with next(columns):
            W.metric(f"{F.COHORT_SHORT[cohort]} {F.dose_label(dose)}",
                     W.fig("coverage_pct", r["coverage_pct"], "pct", scope=code, **which),
                     delta=f"{whole}: {beside}" if beside else None, note=True,
                     help=F.source_help("platform", r["as_of_date"],
                                        f"{F.POPULATION['start']} {F.COHORT_LONG[cohort].lower()}: "
                                        f"{W.show(W.fig('population', r['population'], scope=code, **which))}",
                                        f"**Tử số:** {W.show(W.fig('people', r['people'], scope=code, **which))} "
                                        f"người đã tiêm ≥ {F.dose_label(dose)}."))
    if row is not None:
        beside = ("" if province_row is None else
                  f"{F.md(province_row.unit_name)}: " + W.show(W.fig(
                      "new_f0_7d_per_100k_by_report_date", province_row.new_f0_7d_per_100k_by_report_date, "num1",
                      scope=province_row.unit_code)))
        with next(columns):
            W.metric("F0 7 ngày /100.000 dân",
                     W.fig("new_f0_7d_per_100k_by_report_date", row.new_f0_7d_per_100k_by_report_date, "num1",
                           scope=code),
                     delta=beside or None, note=True,
                     help=F.source_help("cases", row.report_date, "dân số đầu kỳ",
                                        f"7 ngày đến ngày báo cáo {F.date(row.report_date)}."))
    if head.empty:
        st.caption(f"Nền tảng tiêm chủng chưa có số liệu của huyện đến ngày {F.date(f.as_of)}.")


def rows_of(code: str) -> tuple:
    """The district's row and the province's row of the F0 table (None where missing)."""
    units = q.cases_units(f.snapshot, (code,), f.as_of)
    district_rows = [r for r in units.itertuples() if r.unit_level == "district" and r.unit_code == code]
    province_rows = [r for r in units.itertuples() if r.unit_level == "province"]
    return (district_rows[0] if district_rows else None), (province_rows[0] if province_rows else None)


def exceptions(code: str) -> None:
    """F0 rising, care gaps, facilities over quota, reports: functions of the snapshot, the district and the as-of
    date only (no widget), built once and replayed to every viewer of the district after (W.section)."""
    cases(code, rows_of(code)[0])
    care(code)
    facilities(code)
    reports(code)


since = CV.default_baseline(f)  # the province's last briefing with data up to the date shown: one for every district
for code in shown:
    st.subheader(F.md(names[code]))
    st.markdown("##### Việc cần xử lý")
    deadlines(code)  # its table has an Excel button: a widget, drawn on every run
    W.section(("my_district_exceptions", f.snapshot, code, f.as_of), lambda code=code: exceptions(code))
    ledger(code)  # the ledger changes without a new snapshot: drawn on every run
    W.section(("my_district_compared", f.snapshot, code, f.as_of), lambda code=code: compared(code, *rows_of(code)))
    CV.show_since(f, (code,), since, key=f"since_{code}")  # its revisions' table has an Excel button: every run
    st.divider()

st.page_link(PAGE["Tiến độ thực hiện chỉ tiêu"], label="→ Tiến độ từng chỉ tiêu theo huyện, theo xã")
st.page_link(PAGE["Ca bệnh F0"], label="→ F0 theo huyện, theo xã và F0 chưa được chăm sóc")
st.page_link(PAGE["Cơ sở thu dung, điều trị"], label="→ Tải các cơ sở điều trị")
st.page_link(PAGE["Chất lượng số liệu"], label="→ Mọi báo cáo gửi tỉnh")
