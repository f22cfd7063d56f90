"""Vietnamese labels and number formatting for the pages, on top of etl.vnformat (the one formatting source).

The wrappers accept what pandas hands over (pd.NA, NaT, numpy scalars): etl.vnformat only knows None and NaN.
"""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from etl import vnformat as vn

COHORTS = ("18+", "12-17", "5-11")
# The age groups are written with an en dash on screen ("12–17", as the committee's documents write them; the codes
# keep the hyphen): cohort() for a code, dashed() for a text that may quote one (a directive, a target's title).
COHORT_SHORT = {"18+": "18+", "12-17": "12–17", "5-11": "5–11"}
_AGE_RANGE = re.compile(r"(?<![\d/.-])(12|5) ?- ?(17|11)(?![\d-]|[/.,]\d)")  # the age groups only, not dates
COHORT_LONG = {"18+": "Từ 18 tuổi trở lên", "12-17": "Từ 12 đến dưới 18 tuổi", "5-11": "Từ 5 đến dưới 12 tuổi"}
POPULATION = {"start": "dân số đầu kỳ", "current": "dân số hiện có"}
OTHER_POPULATION = {"start": "current", "current": "start"}
SOURCES = {
    "platform": "Nền tảng quản lý tiêm chủng",
    "district_reports": "Biểu mẫu báo cáo của huyện",
    "cases": "Báo cáo ca bệnh hằng ngày",
    "facility_status": "Báo cáo hoạt động cơ sở điều trị",
    "facilities": "Danh sách cơ sở thu dung, điều trị",
    "community_care": "Trạm y tế lưu động, Tổ COVID cộng đồng",
    "duty_checks": "Kiểm tra trực trạm y tế xã",
    "stock": "Sổ theo dõi vắc xin",
    "submissions": "Báo cáo gửi tỉnh theo hạn",
    "population": "Dân số",
    "targets": "Chỉ tiêu theo văn bản chỉ đạo",
    "assignments": "Phân công phụ trách địa bàn",
}
RUN_STATUS = {
    "published": "thành công, đã công bố bản dữ liệu mới",
    "published_with_rejections": "thành công, có tệp bị từ chối",
    "nothing_new": "không có dữ liệu mới",
    "rejected_only": "chỉ có tệp bị từ chối, không công bố",
    "failed": "THẤT BẠI",
    "interrupted": "BỊ NGẮT GIỮA CHỪNG",
    "running": "đang chạy",
}
# marts.report_state, in one set of words (with the days: report_state_text)
REPORT_STATUS = {"on_time": "đúng hạn", "late": "nộp muộn", "missing": "chưa nộp", "upcoming": "chưa đến hạn"}
SEVERITY = {"error": "lỗi", "warning": "cảnh báo", "info": "lưu ý"}
TIERS = {"province": "tuyến tỉnh", "district": "tuyến huyện", "upper": "tuyến trên", "commune": "tuyến xã"}
DIRECTION = {"up": "tăng", "down": "giảm", "flat": "đi ngang"}
# marts.deadline_status.status, one set of words on every page: "missed" stays once the target is reached later (the
# deadline was missed: "trễ hạn — đạt ngày …, trễ N ngày")
DEADLINE_STATUS = {"met": "đạt", "on_track": "đúng tiến độ", "at_risk": "có nguy cơ trễ hạn", "missed": "trễ hạn"}


# Markdown (and Streamlit's own additions to it: $…$ maths, :colour[…] text and :icon: names, HTML-like <tags>) in
# text that comes from source files: a facility named "![](<an outside address>/x.png)" would fetch an image from
# outside, one named "[Xem](javascript:…)" would be a link. Every such text is written through md() wherever it enters
# st.markdown, st.caption, st.info/warning/error/success, a header, or a metric's label, help or delta
# (tests/test_markdown_escaping.py checks the pages). Not for selectbox options, tables or charts: plain text there.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^])")
# GFM's autolink literals are found in the text after its escapes are read ("http\://x" still becomes a link): a word
# joiner (U+2060, invisible, no space) after "://", after a "www" that starts a domain and after the "@" of an address
# keeps an address in a name from becoming a link.
_AUTOLINK = re.compile(r"(?i)(\\:(?=//)|\bwww(?=\\\.)|@)")


def md(text: object) -> str:
    """Source text shown as the characters it holds inside markdown: every character markdown or Streamlit could read
    as syntax is escaped with a backslash; a line break becomes a space (a name never opens a new paragraph); an address
    in it is not made a link (_AUTOLINK)."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return "–"
    flat = " ".join(str(text).split())
    return _AUTOLINK.sub("\\1\u2060", _MARKDOWN.sub(r"\\\1", flat))


def cohort(code: object) -> str:
    """An age group as shown: '12–17' for the code '12-17'."""
    return COHORT_SHORT.get(code, dashed(str(code)))


def dashed(text: object) -> object:
    """`text` with its age ranges written the one way the screen writes them: '12-17 tuổi' → '12–17 tuổi'."""
    return _AGE_RANGE.sub("\\1–\\2", text) if isinstance(text, str) else text


def missing(value: object) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def num(value: object, decimals: int = 0) -> str:
    if missing(value):
        return "–"
    return vn.fmt_int(value) if decimals == 0 else vn.fmt_num(float(value), decimals)


def pct(value: object, decimals: int = 2) -> str:
    return "–" if missing(value) else vn.fmt_pct(float(value), decimals)


def date(value: object) -> str:
    return "–" if missing(value) else vn.fmt_date(value)


def datetime(value: object) -> str:
    return "–" if missing(value) else vn.fmt_datetime(value)


def signed(value: object, decimals: int = 2, unit: str = "") -> str:
    """+0,52 / -3 / ±0: the sign always shown, so a change reads as a change. ASCII "-": st.metric reads the
    direction of a delta from it."""
    if missing(value):
        return "–"
    text = num(abs(float(value)), decimals)
    sign = "+" if float(value) > 0 else ("-" if float(value) < 0 else "±")
    return f"{sign}{text}{unit}"


def age(since: object, now: dt.datetime | None = None) -> str:
    """How old a timestamp is, in the words a briefing uses: '3 ngày 2 giờ', '45 phút'."""
    if missing(since):
        return "–"
    stamp = pd.Timestamp(since).to_pydatetime()
    delta = (now or dt.datetime.now()) - stamp
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} ngày {hours} giờ" if hours else f"{days} ngày"
    return f"{hours} giờ {mins} phút" if hours else f"{mins} phút"


def dose_label(dose: int) -> str:
    return f"mũi {int(dose)}"


def headline(rows: pd.DataFrame) -> str:
    """The form the committee reads (seed 001): '18+ mũi 1 99,82%, mũi 2 98,09%; 12–17 mũi 1 98,55%; 5–11 chưa tiêm'.

    rows: coverage_headline() output, one row per cohort × dose already ordered.
    """
    parts = []
    for cohort in COHORTS:
        sub = rows[rows["cohort"] == cohort]
        given = sub[sub["people"] > 0]
        if given.empty:
            parts.append(f"{COHORT_SHORT[cohort]} chưa tiêm")
            continue
        doses = ", ".join(f"{dose_label(r.dose)} {pct(r.coverage_pct)}" for r in given.itertuples())
        parts.append(f"{COHORT_SHORT[cohort]} {doses}")
    return "; ".join(parts)


def source_help(source: str, as_of: object, denominator: str | None = None, extra: str | None = None) -> str:
    """The tooltip behind every number: where it comes from, which date, which denominator."""
    lines = [f"**Nguồn:** {SOURCES.get(source, source)}", f"**Số liệu đến ngày:** {date(as_of)}"]
    if denominator:
        lines.append(f"**Mẫu số:** {denominator}")
    if extra:
        lines.append(extra)
    return "  \n".join(lines)


METRICS = {
    "coverage": "Tỷ lệ bao phủ (%)",
    "unvaccinated": "Số người chưa tiêm mũi này",
    "dropout": "Tỷ lệ bỏ mũi (mũi này → mũi sau)",
}


def coverage_labels(metric: str, cohort: str, dose: int, population: str,
                    interval_days: object = None) -> tuple[str, str, str, str]:
    """Numerator, denominator and value labels of a coverage-page metric, and its definition as shown."""
    pop = f"{POPULATION[population]} {COHORT_LONG[cohort].lower()}"
    given = f"Người đã tiêm ≥ {dose_label(dose)}"
    if metric == "coverage":
        return given, pop.capitalize(), "Tỷ lệ bao phủ", f"{given} ÷ {pop} × 100."
    if metric == "unvaccinated":
        return (given, pop.capitalize(), f"Chưa tiêm {dose_label(dose)}",
                (f"{pop.capitalize()} − {given.lower()} (nền tảng tiêm chủng). Số người chưa tiêm theo lý do và "
                 "nhóm ưu tiên do huyện báo cáo ở phần dưới."))
    nxt = dose_label(dose + 1)
    days = num(interval_days)
    return (f"Đủ khoảng cách nhưng chưa tiêm {nxt}", f"Đã tiêm {dose_label(dose)} từ {days} ngày trở lên",
            "Tỷ lệ bỏ mũi",
            (f"Bỏ mũi có giới hạn thời gian (DHIS2 COVAC): người đã tiêm {dose_label(dose)} từ ít nhất {days} ngày "
             f"trước (khoảng cách tối thiểu đang áp dụng theo hướng dẫn của Bộ Y tế) mà chưa tiêm {nxt}, chia cho "
             "số người đó."))


def over_100_text(rows: pd.DataFrame, population: str) -> str:
    """The warning for units whose coverage passes 100% with either denominator (coverage_units() rows)."""
    other = OTHER_POPULATION[population]
    items = []
    for r in rows.itertuples():
        parts = [f"{pct(value)} theo {POPULATION[version]}"
                 for value, version in ((r.coverage_pct, population), (r.coverage_pct_other, other))
                 if not missing(value) and float(value) > 100]
        items.append(f"{md(r.unit_name)} ({', '.join(parts)})")
    return ("Tỷ lệ bao phủ trên 100% là **vấn đề số liệu** (mẫu số cũ, người tiêm ngoài địa bàn), không phải thành "
            "tích; cần rà soát dân số: " + "; ".join(items) + ".")


def over_100_headline_text(rows: pd.DataFrame) -> str:
    """The warning for cohort × dose figures over 100% (coverage_headline() rows)."""
    items = [f"{COHORT_SHORT[r.cohort]} {dose_label(r.dose)} {pct(r.coverage_pct)}" for r in rows.itertuples()]
    return ("Tỷ lệ bao phủ trên 100% là **vấn đề số liệu** (mẫu số cũ, người tiêm ngoài địa bàn), không phải thành "
            "tích; cần rà soát dân số: " + ", ".join(items) + ". Xem từng huyện ở trang Bao phủ tiêm chủng.")


def late_reports_text(late: pd.DataFrame) -> str:
    """'Báo cáo tuần hạn 07/03/2022 — chưa nộp: Phúc Yên, Tam Đảo; nộp muộn: Vĩnh Tường (3 ngày)' from
    report_submissions() rows of one due date."""
    missing_names = [md(r.short_name) for r in late.itertuples() if r.status == "missing"]
    late_names = [f"{md(r.short_name)} ({num(r.days_late)} ngày)" for r in late.itertuples() if r.status == "late"]
    parts = []
    if missing_names:
        parts.append(f"{REPORT_STATUS['missing']} ({len(missing_names)}): {', '.join(missing_names)}")
    if late_names:
        parts.append(f"{REPORT_STATUS['late']}: {', '.join(late_names)}")
    return f"Báo cáo tuần của huyện, hạn {date(late['due_date'].iloc[0])} — " + "; ".join(parts)


PROJECTION_METHOD = ("dự báo tuyến tính theo tốc độ 7 ngày gần nhất; khoảng: tuần nhanh nhất – chậm nhất trong "
                     "4 tuần")


def deadline_text(deadline: object, original: object) -> str:
    """'hạn 31/03/2022', or 'hạn ban đầu 31/01/2022, điều chỉnh 28/02/2022' when the deadline was revised."""
    if missing(original) or date(original) == date(deadline):
        return f"hạn {date(deadline)}"
    return f"hạn ban đầu {date(original)}, điều chỉnh {date(deadline)}"


def target_label(title: str, deadline: object, original: object) -> str:
    """A target as a selectbox option (plain text, not markdown: the title is not escaped)."""
    return f"{dashed(title)} ({deadline_text(deadline, original)})"


def projection_text(r) -> str:
    """'dự kiến đạt 04/04/2022 (khoảng 29/03/2022 – 05/04/2022)' from a deadline_units() row, or why there is none."""
    if missing(r.projected_date):
        return "không dự báo được ngày đạt: 7 ngày gần nhất không tiêm thêm ai"
    low = date(r.projected_date_low)
    high = "không xác định (có tuần không tiêm)" if missing(r.projected_date_high) else date(r.projected_date_high)
    return f"dự kiến đạt {date(r.projected_date)} (khoảng {low} – {high})"


def target_verdict(r) -> str:
    """One sentence per unit on a coverage target: status, then the date met, the miss, or the pace and projection."""
    status = DEADLINE_STATUS.get(r.status, r.status)
    if r.status == "met":
        return f"**{status}** — đạt ngày {date(r.met_on)} ({pct(r.achieved_pct)} so với chỉ tiêu {pct(r.threshold_pct)})."
    if r.status == "missed":
        # people_needed is the shortfall now: past the deadline, say the one on the deadline, then what followed
        text = (f"**{status}** — đến hạn {date(r.deadline)} đạt {pct(r.achieved_pct)}, còn thiếu "
                f"**{num(r.people_short_at_deadline)} người** so với chỉ tiêu {pct(r.threshold_pct)}.")
        if not missing(r.reached_date):
            return text + f" Sau hạn: đạt ngày {date(r.reached_date)}, {late(r.days_late)}."
        return (text + f" Đến ngày {date(r.as_of_date)} vẫn còn thiếu **{num(r.people_needed)} người** "
                f"({late(r.days_late)}); {projection_text(r)}.")
    return (f"**{status}** — còn thiếu **{num(r.people_needed)} người**, còn {num(r.days_left)} ngày: cần "
            f"{num(r.required_daily_pace, 1)} người/ngày, 7 ngày gần nhất tiêm {num(r.trailing_7d_pace, 1)} "
            f"người/ngày; {projection_text(r)}.")


def late(days: object) -> str:
    """Days past a deadline: "trễ 3 ngày"; on the deadline day itself (judged on the day, not yet reached) "hết hạn
    hôm nay" rather than "trễ 0 ngày"."""
    return "hết hạn hôm nay" if not missing(days) and int(days) == 0 else f"trễ {num(days)} ngày"


def target_status_note(r, brief: bool = False) -> str:
    """Why a unit has its status (marts.deadline_status.status_reason), from a deadline_units() or
    deadline_exceptions() row, in a few words beside it. brief: for a table's column, where the people still needed
    and the projected date have columns of their own and the note must fit a briefing screen."""
    reason = r["status_reason"]
    projected = None if missing(r["projected_date"]) else date(r["projected_date"])
    if reason == "reached_by_deadline":
        return f"đạt ngày {date(r['met_on'])}"
    if reason == "reached_after_deadline":
        return f"đạt ngày {date(r['reached_date'])}, {late(r['days_late'])}"
    if reason == "still_short":
        return (late(r["days_late"]) + ("" if brief else f", còn thiếu {num(r['people_needed'])} người")
                + "; " + (f"dự kiến đạt {projected}" if projected else "7 ngày qua không tiêm thêm ai"))
    if brief and reason in ("pace_too_slow", "pace_enough"):
        return f"tốc độ 7 ngày: đạt {projected}, {'sau' if reason == 'pace_too_slow' else 'trước'} hạn"
    if reason == "beyond_reach":
        if brief:
            return f"khoảng cách hai mũi: tối đa {pct(r['max_achievable_pct'])} < {pct(r['threshold_pct'])}"
        return (f"khoảng cách giữa hai mũi: tối đa có thể đạt {pct(r['max_achievable_pct'])} < chỉ tiêu "
                f"{pct(r['threshold_pct'])}" + (f" (dù theo tốc độ 7 ngày qua dự kiến đạt {projected})"
                                                   if projected else ""))
    if reason == "no_recent_doses":
        return "7 ngày qua không tiêm thêm ai"
    if reason == "pace_too_slow":
        return f"theo tốc độ 7 ngày qua: dự kiến đạt {projected}, sau hạn"
    if reason == "pace_enough":
        return f"theo tốc độ 7 ngày qua: dự kiến đạt {projected}, trước hạn"
    return ""


def feasibility_text(r) -> str:
    """Whether a shortfall is a pace problem or out of reach: max_achievable_pct against the threshold."""
    if r.status == "met":
        return "Đã đạt chỉ tiêu."
    if not missing(r.max_achievable_pct) and r.max_achievable_pct < r.threshold_pct:
        return (f"**Không thể đạt về số học**: dù tiêm hết mọi người còn kịp tiêm, tối đa chỉ đạt "
                f"{pct(r.max_achievable_pct)} < chỉ tiêu {pct(r.threshold_pct)}, vì "
                f"{num(r.people_blocked_by_interval)} người chưa đủ khoảng cách tối thiểu giữa hai mũi trước hạn. "
                "Cần đề nghị điều chỉnh chỉ tiêu hoặc hạn, không chỉ tăng tốc độ.")
    if r.status == "missed":
        return (f"Đã quá hạn. Khoảng cách tối thiểu giữa hai mũi cho phép đạt tối đa {pct(r.max_achievable_pct)} "
                "trước hạn, nên phần còn thiếu là do **tốc độ tiêm**, không do khoảng cách.")
    return (f"Vẫn có thể đạt (tối đa {pct(r.max_achievable_pct)} ≥ chỉ tiêu {pct(r.threshold_pct)}): "
            + ("tốc độ hiện tại đủ." if r.status == "on_track" else "vấn đề là **tốc độ tiêm**, cần tăng tốc."))

TREND_ARROW = {"up": "▲ tăng", "down": "▼ giảm", "flat": "► đi ngang"}
# F0 rising is bad: red; falling is good: green (Okabe–Ito vermilion and bluish green, apart for colour-blind eyes)
TREND_COLOURS = {"▲ tăng": "#d55e00", "▼ giảm": "#009e73"}


ESCALATION = {"normal": "bình thường", "near_quota": "gần định mức", "over_quota": "vượt định mức",
              "over_2x": "vượt 2 lần định mức"}


def days_until_full(value: object) -> str:
    """Days until the beds ready are full at the pace of the last 7 days: NULL = not filling."""
    if missing(value):
        return "không tăng"
    return "> 90 ngày" if float(value) > 90 else f"{num(value, 1)} ngày"


def report_state_text(state: str, days_late: object) -> str:
    """A report's state with its days (marts.report_state, marts.report_days_late): "nộp muộn 2 ngày", "chưa nộp,
    quá hạn 3 ngày", "đúng hạn", "chưa đến hạn"."""
    if state == "late":
        return f"{REPORT_STATUS['late']} {num(days_late)} ngày"
    if state == "missing":
        return f"{REPORT_STATUS['missing']}, quá hạn {num(days_late)} ngày"
    return REPORT_STATUS.get(state, state)


def basis_label(basis_date: object, complete: bool) -> str:
    """The date basis of every 7-day F0 figure (app/sql/cases_summary.sql basis_date): "7 ngày đến 14/03/2022, ngày gần
    nhất mọi xã đã báo cáo", or that no day is complete yet."""
    tail = (", ngày gần nhất mọi xã đã báo cáo" if complete
            else " (chưa có ngày nào mọi xã đã báo cáo: số còn tăng)")
    return f"7 ngày đến {date(basis_date)}{tail}"


def target_short(cohort_code: str, dose: int) -> str:
    """A coverage target named on screen by cohort and dose: "5–11 mũi 2"."""
    return f"{cohort(cohort_code)} mũi {dose}"
