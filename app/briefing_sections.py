"""The first two parts of the briefing pack: the headline in the committee's form (seed 001: coverage by cohort and dose
against each target, F0 and the treatment split) and what needs attention. Every figure comes from the query the
overview and "Huyện của tôi" draw it from (app.queries), in the words those pages use (app.formatting): one figure,
one definition.

A pack of the whole province is the overview's; a pack of one district, or of a member's districts, is "Huyện của
tôi"'s: the rows of its own districts only (the province's own rows, the province's store and facilities stand in the
province's pack), so that nothing outside the requester's districts is in it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from app import briefing_blocks as B
from app import formatting as F
from app import queries as q
from app import stockdata as SD
from app.memo import cached


@dataclass(frozen=True)
class Pack:
    """What one pack is drawn from: the snapshot, the districts it covers, the as-of date."""
    snapshot: str
    scope: q.Scope
    as_of: dt.date
    meta: dict
    names: dict          # district code -> name, of the scope
    whole: bool          # every district of the snapshot's province

    @property
    def where(self) -> str:
        """The scope in words: the province, a district, or a member's districts."""
        if self.whole:
            return "Toàn tỉnh"
        return ", ".join(self.names.values())

    def own(self, frame: pd.DataFrame, column: str) -> pd.DataFrame:
        """The rows of the pack's own districts (every row, in the province's pack)."""
        return frame if self.whole else frame[frame[column].isin(list(self.scope))]


@cached
def treatment_split(snapshot: str, scope: q.Scope, as_of: dt.date) -> dict | None:
    """F0 being treated at home and in facilities, with both shares (app/sql/briefing_treatment.sql)."""
    frame = q._query(snapshot, "briefing_treatment", scope=scope, as_of=as_of)
    return None if frame.empty else frame.iloc[0].to_dict()


def _targets_of(p: Pack) -> dict[tuple[str, int], list[str]]:
    """(cohort, dose) -> each target of that cohort and dose: threshold, deadline and where the scope stands."""
    found: dict[tuple[str, int], list[str]] = {}
    for t in q.deadline_targets(p.snapshot, p.scope, p.as_of).itertuples():
        units = q.deadline_units(p.snapshot, p.scope, p.as_of, t.target_id)
        own = units[units["unit_level"] == "province"] if p.whole else p.own(units, "unit_code")
        if len(own) == 1:
            status = F.DEADLINE_STATUS.get(own["status"].iloc[0], own["status"].iloc[0])
        else:  # a member's districts: how many stand where
            counts = own["status"].map(F.DEADLINE_STATUS).value_counts()
            status = "; ".join(f"{word} {F.num(n)} huyện" for word, n in counts.items()) or "chưa đánh giá được"
        found.setdefault((t.cohort, int(t.dose)), []).append(
            f"{F.pct(t.threshold_pct)}, {F.deadline_text(t.deadline, t.original_deadline)}: {status}")
    return found


def headline(p: Pack) -> list[dict]:
    """Part 1: coverage against each target, then F0, its treatment and care gaps (the overview's figures)."""
    out = [B.heading("1. Tình hình chung")]
    head = q.coverage_headline(p.snapshot, p.scope, p.as_of, "start")
    if head.empty:
        out.append(B.para(f"Nền tảng tiêm chủng chưa có số liệu đến ngày {F.date(p.as_of)}."))
    else:
        out.append(B.para("Tiêm chủng: ", (F.headline(head), True)))
        targets = _targets_of(p)
        rows = [[f"{F.COHORT_SHORT[r.cohort]} {F.dose_label(r.dose)}", F.num(r.people), F.num(r.population),
                 F.pct(r.coverage_pct), F.signed(r.change_7d_pp), "; ".join(targets.get((r.cohort, int(r.dose)), []))
                 or "–"] for r in head.itertuples()]
        out.append(B.grid(["Nhóm tuổi, mũi", "Đã tiêm ≥ mũi", F.POPULATION["start"].capitalize(), "Tỷ lệ",
                           "± 7 ngày (điểm %)", "Chỉ tiêu, hạn: tình trạng"], rows,
                          ["l", "r", "r", "r", "r", "l"], [0, 0, 0, 0, 0, 1]))
        out.append(B.note(f"Tỷ lệ người đã tiêm ≥ mũi k trên dân số đầu kỳ của nhóm tuổi; nguồn "
                          f"{F.SOURCES['platform']}, số liệu đến ngày {F.date(head['as_of_date'].iloc[0])}; ± 7 ngày: "
                          f"thay đổi so với 7 ngày trước. Chỉ tiêu theo văn bản chỉ đạo; tình trạng của "
                          f"{'tỉnh' if p.whole else 'huyện' if len(p.scope) == 1 else 'các huyện'} (phần 4)."))
        flagged = head[head["over_100"]]
        if not flagged.empty:
            out.append(B.callout("Cần rà soát", F.over_100_headline_text(flagged)))
    out += _cases(p)
    return out


def _cases(p: Pack) -> list[dict]:
    cases = q.cases_summary(p.snapshot, p.scope, p.as_of)
    if cases is None:
        return [B.para(f"Chưa có báo cáo ca bệnh đến ngày {F.date(p.as_of)}.")]
    day = F.date(cases["report_date"])
    reporting = f"{F.num(cases['communes_reporting'])}/{F.num(cases['communes_expected'])}"
    change = cases["new_f0_7d_change_by_report_date"]
    split = treatment_split(p.snapshot, p.scope, p.as_of)
    treated = ("–" if split is None else
               f"tại nhà {F.num(split['active_home'])} ({F.pct(split['home_share_pct'])}), tại cơ sở y tế "
               f"{F.num(split['active_facility'])} ({F.pct(split['facility_share_pct'])})")
    growing = "" if F.missing(cases["gap_growing_in"]) else f"tăng so với hôm trước ở: {cases['gap_growing_in']}"
    rows = [
        [f"F0 mới ngày {day}", F.num(cases["new_f0"]),
         f"chưa đủ xã báo cáo ({reporting} xã): số còn tăng" if not cases["is_complete"] else f"{reporting} xã"],
        ["Trung bình 7 ngày (lùi)", F.num(cases["new_f0_7d_avg_by_report_date"], 1),
         "" if F.missing(change) else f"{F.signed(change, 0)} ca "
         f"({F.signed(cases['new_f0_7d_change_pct_by_report_date'], 1, '%')}) / 7 ngày; tăng là xấu"],
        ["Xu hướng 7 ngày", F.DIRECTION.get(cases["direction"], "chưa xét được"),
         f"đến ngày {F.date(cases['trend_date'])}" if not F.missing(cases["trend_date"])
         else "chưa có ngày đủ báo cáo"],
        ["F0 7 ngày /100.000 dân", F.num(cases["new_f0_7d_per_100k_by_report_date"], 1),
         f"dân số đầu kỳ {F.num(cases['population'])}"],
        ["F0 đang điều trị", F.num(cases["active"]), treated],
        ["F0 chưa được cấp thuốc", f"{F.num(cases['without_antiviral'])} ({F.pct(cases['without_antiviral_pct'])})",
         growing],
        ["F0 chưa được theo dõi", f"{F.num(cases['not_monitored'])} ({F.pct(cases['not_monitored_pct'])})", ""],
    ]
    return [B.para(("Ca bệnh (F0)", True), f" — ngày báo cáo {day}"),
            B.grid(["Chỉ số", "Số liệu", "Ghi chú"], rows, ["l", "r", "l"], [0, 0, 1], 8),
            B.note(f"Nguồn {F.SOURCES['cases']}. Trung bình 7 ngày, xu hướng và F0 7 ngày /100.000 dân: "
                   f"{cases['basis_label']}; ngày chưa đủ xã báo cáo không dùng để đánh giá xu hướng. Chưa được cấp "
                   "thuốc, chưa được theo dõi: trên F0 đang điều trị.")]


DEADLINE_COLS = {
    "short_title": B.Col("Chỉ tiêu"), "unit_name": B.Col("Đơn vị"),
    "status": B.Col("Tình trạng", words=F.DEADLINE_STATUS, width=-19), "deadline": B.Col("Hạn", "date"),
    "threshold_pct": B.Col("Yêu cầu", "pct"), "achieved_pct": B.Col("Đã đạt", "pct"),
    "people_needed": B.Col("Còn thiếu (người)", "int", width=-15), "projected_date": B.Col("Dự kiến đạt", "date"),
    "member": B.Col("Ủy viên phụ trách"), "district_secretary": B.Col("Bí thư huyện ủy"),
}


def _answerable(rows: pd.DataFrame) -> pd.DataFrame:
    """Who answers for each target: the district's standing-committee member and secretary (marts.assignments), the
    province's committee for the province's own rows."""
    district = rows["unit_level"] == "district"
    member = rows["member"].where(~district, rows["member"].fillna("chưa phân công"))
    secretary = rows["district_secretary"].where(~district, rows["district_secretary"].fillna("chưa có"))
    return rows.assign(member=member.where(district, "Ban Chỉ đạo tỉnh"), district_secretary=secretary.where(district))


def attention(p: Pack) -> list[dict]:
    """Part 2: targets missed or at risk with who answers for them, F0 rising, care gaps growing, facilities over
    quota, reports late or missing, vaccine expiring, reports far from the platform."""
    out = [B.heading("2. Việc cần xử lý")]
    rows = p.own(q.deadline_exceptions(p.snapshot, p.scope, p.as_of), "unit_code")
    missed, at_risk = (rows["status"] == "missed").sum(), (rows["status"] == "at_risk").sum()
    out.append(B.heading(f"Chỉ tiêu tiêm chủng trễ hạn hoặc có nguy cơ trễ hạn ({F.num(len(rows))}: trễ hạn "
                         f"{F.num(missed)}, có nguy cơ {F.num(at_risk)})", 2))
    if rows.empty:
        out.append(B.para(f"Không có chỉ tiêu nào trễ hạn hoặc có nguy cơ trễ hạn (số liệu đến ngày "
                          f"{F.date(p.as_of)})."))
    else:
        out.append(B.table(_answerable(rows), DEADLINE_COLS, 7))
        out.append(B.note(f"Theo số liệu tiêm chủng đến ngày {F.date(rows['as_of_date'].iloc[0])} (nguồn: "
                          f"{F.SOURCES['platform']}); chỉ tiêu, tỷ lệ yêu cầu và hạn theo văn bản chỉ đạo. Có nguy "
                          "cơ trễ hạn: với tốc độ tiêm trung bình 7 ngày qua sẽ không đạt tỷ lệ yêu cầu trước hạn. "
                          "Còn thiếu: số người còn phải tiêm để đạt tỷ lệ yêu cầu. Người chịu trách nhiệm theo "
                          f"{F.SOURCES['assignments']}."))
    out += _rising(p) + _gaps(p) + _facilities(p) + _reports(p) + _stock(p) + _reconciliation(p)
    return out


def _rising(p: Pack) -> list[dict]:
    units = q.cases_units(p.snapshot, p.scope, p.as_of)
    up = units[(units["unit_level"] == "district") & (units["trend_direction"] == "up")]
    head = B.heading(f"F0 tăng ({B.count(len(up), 'huyện')})", 2)
    if units.empty:
        return [head, B.para(f"Chưa có báo cáo ca bệnh đến ngày {F.date(p.as_of)}.")]
    if up.empty:
        return [head, B.para("Không huyện nào có F0 tăng (xu hướng 7 ngày, tính đến ngày gần nhất mọi xã của huyện "
                             "đã báo cáo).")]
    return [head, B.table(up, {
        "unit_name": B.Col("Huyện"), "new_f0_7d_sum": B.Col("F0 mới 7 ngày", "int"),
        "new_f0_7d_per_100k_by_report_date": B.Col("F0 7 ngày /100.000", "num1"),
        "trend_direction": B.Col("Xu hướng", words=F.TREND_ARROW),
        "trend_new_f0_7d_change_pct_by_report_date": B.Col("± 7 ngày (%)", "num1"),
        "trend_date": B.Col("Đến ngày", "date", width=1)}),
        B.note(f"Ngày báo cáo {F.date(units['report_date'].iloc[0])}; xu hướng so 7 ngày đến ngày gần nhất mọi xã "
               f"của huyện đã báo cáo với 7 ngày trước đó. Nguồn: {F.SOURCES['cases']}.")]


GAP_COLS = {"unit_name": B.Col("Đơn vị"), "active_total": B.Col("F0 đang điều trị", "int"),
            "without_antiviral": B.Col("Chưa có thuốc", "int"), "without_antiviral_pct": B.Col("Chưa có thuốc (%)", "pct"),
            "not_monitored": B.Col("Chưa theo dõi", "int"), "not_monitored_pct": B.Col("Chưa theo dõi (%)", "pct"),
            "without_antiviral_change": B.Col("± chưa có thuốc", "signed"),
            "not_monitored_change": B.Col("± chưa theo dõi", "signed")}


def _gaps(p: Pack) -> list[dict]:
    gaps = q.care_gap_units(p.snapshot, p.scope, p.as_of)
    growing = gaps[gaps["gap_growing"] == True]  # noqa: E712  (NULL = not known, not growing)
    head = B.heading(f"F0 chưa được cấp thuốc, chưa được theo dõi tăng so với hôm trước "
                     f"({B.count(len(growing), 'huyện')})", 2)
    if gaps.empty:
        return [head, B.para(f"Chưa có báo cáo ca bệnh đến ngày {F.date(p.as_of)}.")]
    if growing.empty:
        return [head, B.para(f"Không huyện nào có số F0 chưa được cấp thuốc hay chưa được theo dõi tăng (ngày "
                             f"{F.date(gaps['report_date'].iloc[0])}).")]
    return [head, B.table(growing, GAP_COLS),
            B.note(f"Ngày báo cáo {F.date(gaps['report_date'].iloc[0])}; so với hôm trước, chỉ tính các xã báo cáo "
                   f"cả hai ngày. Nguồn: {F.SOURCES['cases']}.")]


def _facilities(p: Pack) -> list[dict]:
    over = q.facilities(p.snapshot, p.scope, p.as_of, only_over_quota=True)
    if not p.whole:  # the districts' own facilities ("Huyện của tôi"); the province's stand in its pack
        over = over[over["district_name"].isin(list(p.names.values()))]
    head = B.heading(f"Cơ sở điều trị vượt định mức giường ({B.count(len(over), 'cơ sở')})", 2)
    if over.empty:
        return [head, B.para("Không có cơ sở nào vượt định mức.")]
    return [head, B.table(over, {"facility_name": B.Col("Cơ sở", width=1), "district_name": B.Col("Địa bàn"),
                                 "occupied": B.Col("Đang điều trị", "int"), "bed_quota": B.Col("Định mức", "int"),
                                 "load_vs_quota_pct": B.Col("% định mức", "pct"),
                                 "escalation": B.Col("Mức cảnh báo", words=F.ESCALATION)}),
            B.note(f"Ngày {F.date(over['status_date'].iloc[0])}; % định mức = đang điều trị ÷ định mức giường được "
                   f"giao. Nguồn: {F.SOURCES['facility_status']}.")]


def _reports(p: Pack) -> list[dict]:
    subs = p.own(q.report_submissions(p.snapshot, p.scope, p.as_of), "district_code")
    late = subs[subs["status"].isin(["missing", "late"])]
    missing, sent_late = (late["status"] == "missing").sum(), (late["status"] == "late").sum()
    head = B.heading(f"Báo cáo gửi tỉnh chưa nộp hoặc nộp muộn (chưa nộp {F.num(missing)}, nộp muộn "
                     f"{F.num(sent_late)})", 2)
    if late.empty:
        return [head, B.para(f"Không có báo cáo nào chưa nộp hay nộp muộn (các báo cáo có hạn đến ngày "
                             f"{F.date(p.as_of)}).")]
    note = B.note(f"Báo cáo có hạn đến ngày {F.date(p.as_of)}, tình trạng tính đến ngày đó. Nguồn: "
                  f"{F.SOURCES['submissions']}.")
    if p.whole:  # one row per report and due date, the units that have not sent it named (the deadline page's)
        summary = q.target_report_summary(p.snapshot, p.scope, p.as_of)
        summary = summary[(summary["missing"] > 0) | (summary["late"] > 0)]
        return [head, B.table(summary, {"title": B.Col("Báo cáo, mốc kế hoạch", width=1.2),
                                        "due_date": B.Col("Hạn", "date"), "on_time": B.Col("Đúng hạn", "int"),
                                        "late": B.Col("Muộn", "int"), "missing": B.Col("Chưa nộp", "int"),
                                        "missing_units": B.Col("Đơn vị chưa nộp", width=1)}), note]
    return [head, B.table(late, {"unit_name": B.Col("Đơn vị"), "title": B.Col("Báo cáo", width=1),
                                 "due_date": B.Col("Hạn", "date"), "state_text": B.Col("Tình trạng")}), note]


def _stock(p: Pack) -> list[dict]:
    risk = SD.stock_lots(p.snapshot, p.scope, p.as_of, only_at_risk=True)
    if not p.whole:  # the districts' own stores; the province's store stands in the province's pack
        risk = risk[risk["store_code"].isin(list(p.scope))]
    head = B.heading(f"Lô vắc xin sẽ hết hạn trước khi dùng hết với tốc độ tiêm hiện nay "
                     f"({B.count(len(risk), 'dòng lô × kho')})", 2)
    if risk.empty:
        return [head, B.para("Không có lô nào có nguy cơ.")]
    return [head, B.table(risk, {"store_name": B.Col("Kho"), "product": B.Col("Vắc xin"), "lot": B.Col("Số lô"),
                                 "expiry_date": B.Col("Hạn dùng", "date"), "on_hand": B.Col("Liều còn", "int"),
                                 "doses_at_risk": B.Col("Có nguy cơ hủy", "int")}),
            B.note(f"Ngày {F.date(risk['ledger_date'].iloc[0])}; theo tốc độ tiêm 7 ngày gần nhất của từng kho, lô "
                   f"hết hạn trước dùng trước. Nguồn: {F.SOURCES['stock']}.")]


def _reconciliation(p: Pack) -> list[dict]:
    flags = q.reconciliation_flags(p.snapshot, p.scope, p.as_of, "district")
    head = B.heading(f"Báo cáo tuần của huyện lệch quá 10% so với nền tảng tiêm chủng ({F.num(len(flags))} dòng "
                     "huyện × nhóm tuổi × mũi)", 2)
    if flags.empty:
        return [head, B.para("Không có huyện nào lệch quá ngưỡng trong báo cáo gần nhất.")]
    return [head, B.table(flags, {"district_name": B.Col("Huyện"), "report_date": B.Col("Ngày báo cáo", "date"),
                                  "cohort": B.Col("Nhóm tuổi", words=F.COHORT_SHORT), "dose": B.Col("Mũi", "int"),
                                  "reported": B.Col("Huyện báo cáo", "int"), "platform": B.Col("Nền tảng", "int"),
                                  "ratio_pct": B.Col("Báo cáo / nền tảng", "pct")}),
            B.note(f"Báo cáo tuần gần nhất của mỗi huyện, so với {F.SOURCES['platform'].lower()} cùng ngày.")]
