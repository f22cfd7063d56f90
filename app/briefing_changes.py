"""The last part of the briefing pack: "Thay đổi từ buổi giao ban trước", the comparison of app.changes (the same one
"Huyện của tôi" and the page "Giao ban" draw, app.changes_view) as blocks (app.briefing_blocks): target statuses that
changed, exceptions new and resolved, coverage and the F0 rate on both dates, and the figures of days already briefed
that a resent report changed, with both values and the file that brought the new one."""
from __future__ import annotations

from app import briefing_blocks as B
from app import changes as C
from app import formatting as F
from app.briefing_sections import Pack

HEADING = "8. Thay đổi từ buổi giao ban trước"
STATUS_COLS = {"unit_name": B.Col("Đơn vị"), "about": B.Col("Chỉ tiêu, hạn", width=1),
               "text_before": B.Col("Buổi trước"), "text_after": B.Col("Nay", width=1)}


def since_part(p: Pack, baseline: C.Baseline | None) -> list[dict]:
    """Part 8 of the pack of `p`, compared with `baseline` (None: no earlier briefing to compare with)."""
    out = [B.pagebreak(), B.heading(HEADING)]
    if baseline is None:
        return out + [B.para("Không có buổi giao ban nào trước để so sánh.")]
    ch = C.since(baseline, p.snapshot, p.as_of, p.scope, "buổi này")
    if ch is None or ch.reason:
        return out + [B.para(ch.reason if ch is not None else baseline.reason or C.NO_BRIEFING)]
    e, la = ch.earlier, ch.later
    out.append(B.para(f"So sánh số liệu đến ngày {F.date(la.as_of)} (bản dữ liệu {la.run_id}) với buổi giao ban «",
                      (e.label, True), f"»: số liệu đến ngày {F.date(e.as_of)} (bản dữ liệu {e.run_id})."))
    out += _statuses(ch) + _exceptions(ch) + _coverage(ch) + _f0(ch) + _revisions(ch)
    return out + [B.note(
        "Hai bản dữ liệu được so sánh theo cùng một phiên bản định nghĩa của chương trình nạp số liệu, nên thay đổi "
        "định nghĩa không bị coi là số liệu được sửa. Tình trạng chỉ tiêu như phần 4; bao phủ như phần 1; F0 7 ngày "
        f"/100.000 dân như phần 5. Nguồn: {F.SOURCES['platform']}, {F.SOURCES['cases']}, {F.SOURCES['targets']}.")]


def _statuses(ch: C.Changes) -> list[dict]:
    out = [B.heading(f"Chỉ tiêu đổi tình trạng ({F.num(len(ch.statuses))})", 2)]
    if ch.statuses.empty:
        return out + [B.para("Không có chỉ tiêu nào đổi tình trạng.")]
    return out + [B.table(ch.statuses, STATUS_COLS)]


def _exceptions(ch: C.Changes) -> list[dict]:
    out = []
    for rows, what, none in ((ch.new_exceptions, "Việc cần xử lý mới: chỉ tiêu mới trễ hạn hoặc có nguy cơ trễ hạn",
                              "Không có chỉ tiêu nào mới trễ hạn hay mới có nguy cơ trễ hạn."),
                             (ch.resolved_exceptions, "Việc cần xử lý đã hết: chỉ tiêu không còn trễ hạn hay có nguy "
                              "cơ trễ hạn", "Không có chỉ tiêu nào hết trễ hạn hay hết nguy cơ trễ hạn.")):
        out.append(B.heading(f"{what} ({F.num(len(rows))})", 2))
        out.append(B.table(rows, STATUS_COLS) if not rows.empty else B.para(none))
    return out


def _coverage(ch: C.Changes) -> list[dict]:
    out = [B.heading("Bao phủ tiêm chủng", 2)]
    rows = ch.coverage
    if rows.empty:
        return out + [B.para("Chưa có số liệu bao phủ để so sánh.")]
    if ch.total:  # the scope's total in full; a district where a figure moved
        rows = rows[(rows["unit_code"] == ch.total) | (rows["change_pp"].fillna(0) != 0)]
    return out + [B.table(rows, {
        "unit_name": B.Col("Đơn vị", width=1), "label": B.Col("Nhóm tuổi, mũi"),
        "coverage_pct_before": B.Col(f"Đến {F.date(ch.earlier.as_of)}", "pct"),
        "coverage_pct_after": B.Col(f"Đến {F.date(ch.later.as_of)}", "pct"),
        "change_text": B.Col("Thay đổi (điểm %)")}),
        B.note("Tỷ lệ người đã tiêm ≥ mũi trên dân số đầu kỳ" + (
            f"; {ch.names[ch.total]} đủ các dòng, từng huyện chỉ các dòng có thay đổi." if ch.total else "."))]


def _f0(ch: C.Changes) -> list[dict]:
    out = [B.heading("F0 7 ngày /100.000 dân", 2)]
    if ch.f0.empty:
        return out + [B.para("Chưa có báo cáo ca bệnh để so sánh.")]
    return out + [B.table(ch.f0, {
        "unit_name": B.Col("Đơn vị", width=1), "report_date_before": B.Col("Ngày báo cáo", "date"),
        "rate_before": B.Col("Buổi trước", "num1"), "report_date_after": B.Col("Ngày báo cáo", "date"),
        "rate_after": B.Col("Buổi này", "num1"), "change_text": B.Col("Thay đổi"),
        "direction": B.Col("Chiều", words=F.TREND_ARROW)}),
        B.note("F0 mới 7 ngày đến ngày báo cáo trên 100.000 dân (dân số đầu kỳ); ▲ tăng là xấu.")]


def _revisions(ch: C.Changes) -> list[dict]:
    rows = ch.revisions
    out = [B.heading(f"Số liệu đã báo cáo được sửa ({F.num(len(rows))})", 2)]
    if rows.empty:
        return out + [B.para(f"Không có số liệu nào của các ngày đến {F.date(ch.earlier.as_of)} khác với buổi giao "
                             "ban trước.")]
    return out + [
        B.callout("Cần chú ý", f"Số liệu của các ngày đến {F.date(ch.earlier.as_of)} đã trình bày ở buổi giao ban "
                  "trước nay khác đi vì huyện gửi lại báo cáo: dùng số mới khi trích dẫn."),
        B.table(rows, {"day": B.Col("Ngày", "date"), "unit_name": B.Col("Huyện"), "what": B.Col("Số liệu", width=1),
                       "before": B.Col("Buổi trước", "int"), "after": B.Col("Nay", "int"),
                       "change_text": B.Col("Chênh lệch"), "file_name": B.Col("Tệp gửi lại"),
                       "received_at": B.Col("Nhận lúc", "datetime")}),
        B.note("F0 mới theo ngày báo cáo, số mũi tiêm theo ngày tiêm, từng huyện; tệp gửi lại: tệp mang số liệu mới.")]
