""""Thay đổi từ buổi giao ban trước" on a page: the comparison of app.changes drawn with the dashboard's tables
(W.table), in Vietnamese, with both snapshots named and both as-of dates. "Huyện của tôi" draws it for each district
shown; the page "Giao ban" may draw it for a briefing (show_since(f, scope, baseline, later=the briefing): see
show_since)."""
from __future__ import annotations

import streamlit as st

from app import changes as C
from app import formatting as F
from app import widgets as W

HEADING = "Thay đổi từ buổi giao ban trước"


def default_baseline(f) -> C.Baseline:
    """The last briefing of the province with data up to the viewer's as-of date (not the view itself)."""
    return C.last_briefing(f.settings, str(f.meta["province_code"]), as_of=f.as_of, later=f.snapshot)


def about(ch: C.Changes) -> str:
    """Which two snapshots and dates are compared (markdown: labels escaped)."""
    e, la = ch.earlier, ch.later
    named = "" if la.label == "nay" else f"buổi giao ban «{F.md(la.label)}»: "
    return (f"So sánh {named}số liệu đến ngày **{F.date(la.as_of)}** (bản dữ liệu {F.md(la.run_id)}) với buổi giao ban "
            f"«{F.md(e.label)}»: số liệu đến ngày **{F.date(e.as_of)}** (bản dữ liệu {F.md(e.run_id)}).")


def show_since(f, scope: tuple[str, ...], baseline: C.Baseline | None = None, key: str = "since",
               heading: bool = True, later: C.Baseline | None = None) -> C.Changes | None:
    """The section for `scope` (the viewer's districts, or fewer: never wider), from `baseline` (default: the last
    briefing) to `later` (default: the served snapshot on the viewer's as-of date; for a briefing, the briefing itself:
    C.resolved(f.settings, briefing), and baseline C.last_briefing(f.settings, province, before_briefing=its id));
    the comparison drawn, or None when there is nothing to compare with (the reason is said)."""
    if heading:
        st.markdown(f"##### {HEADING}")
    baseline = baseline if baseline is not None else default_baseline(f)
    if later is not None and later.snapshot is None:
        st.caption(F.md(later.reason or C.NO_BRIEFING))
        return None
    snapshot, as_of, label = ((later.snapshot, later.as_of, later.label) if later is not None
                              else (f.snapshot, f.as_of, "nay"))
    ch = C.since(baseline, snapshot, as_of, tuple(scope), label)
    if ch is None or ch.reason:
        st.caption(F.md(ch.reason if ch is not None else baseline.reason or C.NO_BRIEFING))
        return None
    st.caption(about(ch))
    _statuses(ch, key)
    _exceptions(ch, key)
    _coverage(ch, key)
    _f0(ch, key)
    _revisions(ch, key)
    with st.expander("Nguồn và cách so sánh"):
        st.caption(SOURCE_NOTE)
    return ch


SOURCE_NOTE = (
    "Hai bản dữ liệu được so sánh khi cùng một phiên bản định nghĩa của chương trình nạp số liệu (bản dữ liệu cũ hơn "
    "được tính lại theo định nghĩa hiện hành nếu cần), nên thay đổi định nghĩa không bị coi là số liệu được sửa. "
    f"Tình trạng chỉ tiêu: {F.SOURCES['targets']}, {F.SOURCES['platform']}; bao phủ: người đã tiêm ≥ mũi k trên "
    f"dân số đầu kỳ ({F.SOURCES['platform']}); F0 7 ngày /100.000 dân: F0 mới 7 ngày đến ngày báo cáo trên dân số đầu "
    f"kỳ × 100.000 ({F.SOURCES['cases']}). Số liệu được sửa: F0 mới theo ngày báo cáo và số mũi tiêm theo ngày tiêm, "
    "từng huyện, của những ngày đã có ở buổi giao ban trước mà nay khác đi (huyện gửi lại báo cáo); tệp gửi lại là tệp "
    "mang số liệu mới, theo thời điểm nhận.")


def _section(title: str, rows, cols: dict[str, W.Col], key: str, file_name: str, empty: str,
             before: str | None = None, after: str | None = None, **table) -> None:
    """A section of the comparison: its bold title, then its table, or the sentence `empty` when it has no rows
    (W.table); `before` and `after` are captions around a table that has rows (what the rows are, their source)."""
    st.markdown(title)
    if before and not rows.empty:
        st.caption(before)
    W.table(rows, cols, key=key, file_name=file_name, empty=empty, **table)
    if after and not rows.empty:
        st.caption(after)


def _statuses(ch: C.Changes, key: str) -> None:
    rows = ch.statuses
    _section(f"**Chỉ tiêu đổi tình trạng** ({F.num(len(rows))})", rows,
             {"unit_name": W.Col("Đơn vị"), "about": W.Col("Chỉ tiêu, hạn"),
              "text_before": W.Col("Buổi trước"), "text_after": W.Col("Nay")},
             f"{key}_statuses", f"{key}_tinh_trang", "Không có chỉ tiêu nào đổi tình trạng.",
             download=False, row_key=("unit_code", "target_id"))


def _exceptions(ch: C.Changes, key: str) -> None:
    new, gone = ch.new_exceptions, ch.resolved_exceptions
    st.markdown(f"**Việc cần xử lý:** mới {F.num(len(new))}, đã hết {F.num(len(gone))}")
    cols = {"unit_name": W.Col("Đơn vị"), "about": W.Col("Chỉ tiêu, hạn"), "text_before": W.Col("Buổi trước"),
            "text_after": W.Col("Nay")}
    for rows, what, name in ((new, "Mới trễ hạn hoặc có nguy cơ trễ hạn", "new"),
                             (gone, "Không còn trễ hạn hay có nguy cơ trễ hạn", "resolved")):
        if not rows.empty:
            st.caption(what)
            W.table(rows, cols, key=f"{key}_{name}_exceptions", download=False, file_name=f"{key}_{name}",
                    row_key=("unit_code", "target_id"))


def _coverage(ch: C.Changes, key: str) -> None:
    _section("**Bao phủ tiêm chủng**", ch.coverage,
             {"unit_name": W.Col("Đơn vị"), "label": W.Col("Nhóm tuổi, mũi"),
              "coverage_pct_before": W.Col("Buổi trước", "pct"), "coverage_pct_after": W.Col("Nay", "pct"),
              "change_text": W.Col("Thay đổi (điểm %)")},
             f"{key}_coverage", f"{key}_bao_phu", "Chưa có số liệu bao phủ để so sánh.",
             after=f"Tỷ lệ người đã tiêm ≥ mũi trên dân số đầu kỳ, số liệu đến ngày {F.date(ch.earlier.as_of)} và "
                   f"{F.date(ch.later.as_of)}; nguồn: {F.SOURCES['platform']}.",
             download=False, max_rows=8, row_key=("unit_code",))


def _f0(ch: C.Changes, key: str) -> None:
    _section("**F0 7 ngày /100.000 dân**", ch.f0,
             {"unit_name": W.Col("Đơn vị"), "report_date_before": W.Col("Ngày (trước)", "date"),
              "rate_before": W.Col("Buổi trước", "num1"), "report_date_after": W.Col("Ngày (nay)", "date"),
              "rate_after": W.Col("Nay", "num1"), "change_text": W.Col("Thay đổi"),
              "direction": W.Col("Chiều", words=F.TREND_ARROW, colours=F.TREND_COLOURS)},
             f"{key}_f0", f"{key}_f0", "Chưa có báo cáo ca bệnh để so sánh.",
             after=f"F0 mới 7 ngày đến ngày báo cáo trên 100.000 dân (dân số đầu kỳ); ▲ tăng là xấu. Nguồn: "
                   f"{F.SOURCES['cases']}.",
             download=False, row_key=("unit_code",))


def _revisions(ch: C.Changes, key: str) -> None:
    rows, day = ch.revisions, F.date(ch.earlier.as_of)
    _section(f"**Số liệu đã báo cáo được sửa** ({F.num(len(rows))})", rows,
             {"day": W.Col("Ngày", "date"), "unit_name": W.Col("Huyện"), "what": W.Col("Số liệu"),
              "before": W.Col("Buổi trước", "int"), "after": W.Col("Nay", "int"),
              "change_text": W.Col("Chênh lệch"), "file_name": W.Col("Tệp gửi lại"),
              "received_at": W.Col("Nhận lúc", "datetime")},
             f"{key}_revisions", f"so_lieu_duoc_sua_{ch.later.as_of:%Y%m%d}",
             f"Không có số liệu nào của các ngày đến {day} khác với buổi giao ban trước.",
             before=f"Số liệu của các ngày đến {day} (đã trình bày ở buổi giao ban trước) nay khác đi vì huyện gửi "
                    "lại báo cáo: cần dùng số mới khi trích dẫn.",
             row_key=("row",), note=f"Số liệu được sửa so với buổi giao ban «{ch.earlier.label}»")
