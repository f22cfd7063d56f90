"""The frame every page runs first: page config, the snapshot, the viewer's scope, the as-of date, data freshness
and navigation. Pages get a Frame back and only draw.

Classic multipage (pages/ auto-discovered, the automatic sidebar hidden by .streamlit/config.toml): whatever URL a
viewer opens, that page's first statement is frame(), so no page can skip the snapshot check or the scope
(tests/test_app_conventions.py proves it).
"""
from __future__ import annotations

import datetime as dt
import gc
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from app import (
    bootstrap,
    charts,  # noqa: F401  (plotly loaded before the freeze below)
    replay,
    signin,
    widgets,
)
from app import briefing_view as BV
from app import figures
from app import formatting as F
from app import queries as q
from etl import firststart
from etl.settings import Settings, load_settings
from etl.version import MODEL_VERSION

# Once per server process: the objects alive now (the modules of Streamlit, pandas, plotly, DuckDB: millions of them)
# live as long as the process, and every full garbage collection would scan them all again, a pause of about 90 ms
# every few reruns (bench/pages.py). Frozen, they are left out of collections; objects made later are collected.
gc.freeze()

PAGES = (
    ("pages/1_Tong_quan.py", "Tổng quan"),
    ("pages/8_Huyen_cua_toi.py", "Huyện của tôi"),
    ("pages/2_Bao_phu_tiem_chung.py", "Bao phủ tiêm chủng"),
    ("pages/3_Ca_benh_co_so_dieu_tri.py", "Ca bệnh F0"),
    ("pages/4_Vac_xin_ton_kho.py", "Vắc xin tồn kho"),
    ("pages/10_Phan_bo_vac_xin.py", "Phân bổ vắc xin"),
    ("pages/5_Chat_luong_so_lieu.py", "Chất lượng số liệu"),
    ("pages/6_Tien_do_chi_tieu.py", "Tiến độ thực hiện chỉ tiêu"),
    ("pages/7_Co_so_dieu_tri.py", "Cơ sở thu dung, điều trị"),
    ("pages/11_Giao_ban.py", "Giao ban"),
)
PAGE = {label: path for path, label in PAGES}
ADMIN_PAGE = ("pages/9_Quan_tri.py", "Quản trị")  # in the navigation of administrators only
FAILED_RUNS = ("failed", "interrupted", "rejected_only")
NATIONAL = "00"


@dataclass(frozen=True)
class Frame:
    settings: Settings
    snapshot: str
    scope: q.Scope
    as_of: dt.date
    meta: dict
    account: signin.state.Account

    @property
    def province(self) -> str:
        return self.meta["province_name"]

    @property
    def scope_key(self) -> str:
        """The unit a figure over the viewer's whole scope describes (app.figures): see key_of."""
        return self.key_of(self.scope)

    def key_of(self, scope: q.Scope) -> str:
        """The unit a figure summed over `scope` describes: the province's code when it is every district of the
        snapshot's province (or '00', the country), else the districts' codes."""
        if len(scope) == len(q.all_districts(self.snapshot)):
            return str(self.meta["province_code"])
        return "+".join(sorted(scope))

    @property
    def national(self) -> bool:
        """The whole-country snapshot (province code 00): provinces are the top level."""
        return self.meta["province_code"] == NATIONAL


def one_province(f: Frame, key: str) -> tuple[q.Scope, str]:
    """The districts a page draws, and how to name them. The whole-country snapshot draws one province at a time
    (the viewer picks it: a map, a chart or a bullet per district of the country would be unreadable and heavy); a
    member sees the districts assigned to them; everyone else the province."""
    if f.national:
        names = q.provinces(f.snapshot, f.scope)
        province = st.selectbox("Tỉnh, thành phố", list(names), key=key, format_func=names.get, placeholder="Chọn…")
        return q.province_scope(f.snapshot, f.scope, province), names[province]
    if len(f.scope) < len(q.all_districts(f.snapshot)):
        assigned = q.districts(f.snapshot, f.scope)["district_name"].tolist()
        return f.scope, (", ".join(assigned) if len(assigned) <= 3 else f"{len(assigned)} huyện") + \
            " (phạm vi được phân công)"
    return f.scope, f.province


def frame(title: str) -> Frame:
    st.set_page_config(page_title=f"{title} · BCĐ COVID-19", layout="wide", initial_sidebar_state="expanded")
    widgets.page_chrome()  # page-wide: no English toolbars, metrics that wrap, Enter applies a typed date
    settings = load_settings()
    snapshot, lost = q.open_snapshot(settings)
    # every page, the first-start and "no snapshot" pages included
    account = signin.require(settings, served=snapshot is not None)
    if snapshot is None:
        _no_snapshot(settings, lost)
    # a briefing viewed (pages/11_Giao_ban.py): its snapshot or rebuilt copy, once ready (app.briefing_view)
    viewed = BV.viewing(settings)
    if viewed is not None and viewed.snapshot is not None:
        snapshot, lost = viewed.snapshot, None
    elif q.snapshot_version(snapshot) != MODEL_VERSION:
        # first, so that it shows even if a query of this version fails on the older snapshot
        with st.sidebar:
            _rebuild_progress(str(settings.data_dir))
    scope = signin.scope_of(account, snapshot)
    if not scope:
        signin.account_box(settings, account, "chưa có huyện nào")
        if viewed is not None:
            st.button(BV.RETURN_LABEL, key="briefing_view_leave", on_click=BV.leave)
        st.title(title)
        st.info("Trong bản dữ liệu đang dùng, tài khoản này chưa được phân công huyện nào (tệp phân công phụ trách "
                "địa bàn). Hỏi Văn phòng Ban Chỉ đạo nếu đây là nhầm lẫn.")
        st.stop()
    meta = q.snapshot_meta(snapshot, scope)
    _navigation(meta, account)
    names = _scope_names(snapshot, scope, meta["province_code"] == NATIONAL)
    signin.account_box(settings, account, names)
    signin.guard(settings, account, snapshot, scope)
    showing = viewed is not None and viewed.snapshot is not None
    as_of = BV.as_of(viewed, meta) if showing else _as_of_picker(meta)
    if showing:
        st.sidebar.markdown(f"Số liệu đến ngày **{F.date(as_of)}** (của buổi giao ban đang xem)")
    figures.begin_page(title, as_of)
    runs = q.run_log(settings)
    _sidebar_freshness(snapshot, meta, scope, as_of, runs)
    if viewed is not None:
        BV.banner(settings, viewed, scope)
    _header(title, meta, as_of, [] if showing else runs)
    if lost:
        st.warning(f"Tệp bản dữ liệu đang được chỉ định ({F.md(lost)}) không còn trên máy chủ: đang hiển thị bản dữ liệu "
                   f"trước đó, dựng lúc {F.datetime(meta['built_at'])}. Lần chạy nạp số liệu tiếp theo sẽ công bố bản "
                   "mới; hãy báo quản trị hệ thống.")
    # every Excel download of this run is audited with who, from where, of which snapshot and scope
    st.session_state[widgets.DOWNLOAD_AUDIT] = {
        "state": str(signin.state_path(settings)), "login": account.login, "address": signin.address(),
        "snapshot": meta["run_id"], "scope": names}
    return Frame(settings=settings, snapshot=snapshot, scope=scope, as_of=as_of, meta=meta, account=account)


def _scope_names(snapshot: str, scope: q.Scope, national: bool) -> str:
    """"cả tỉnh" ("cả nước"), or the districts a viewer sees ("Huyện Tam Đảo, Huyện Sông Lô"; beyond three, how
    many)."""
    if len(scope) == len(q.all_districts(snapshot)):
        return "cả nước" if national else "cả tỉnh"
    names = q.districts(snapshot, scope)["district_name"].tolist()
    return ", ".join(names) if len(names) <= 3 else f"{len(names)} huyện, thành phố"


@st.fragment(run_every=1.0)
def _rebuild_progress(data_dir: str) -> None:
    """The served snapshot was built by an older version of the program: the launcher rebuilds it from the archive in
    the background (never this server: app/bootstrap.py) while the older one keeps serving. Show how far along it is,
    and move onto the new snapshot when it is published."""
    settings = load_settings(data_dir=data_dir)
    build = bootstrap.rebuild_progress(settings, MODEL_VERSION)
    served = q.snapshot_path(settings)
    if served and q.snapshot_version(served) == MODEL_VERSION and st.session_state.get("_rebuilt") != served:
        # published, by the launcher's rebuild or by the run that held the lock meanwhile: onto the new snapshot
        st.session_state["_rebuilt"] = served
        st.rerun(scope="app")
    if not build.started:
        st.info("Chương trình vừa được cập nhật, nhưng bản dữ liệu đang dùng do phiên bản cũ dựng và chưa được dựng "
                "lại. Trên máy chủ, chạy `python3 -m app.launcher` (hoặc `python -m etl run --rebuild`); trong lúc "
                "chờ, một số phần có thể chưa hiển thị.")
    elif build.busy:
        st.warning(f"Chương trình vừa được cập nhật nhưng chưa dựng lại được bản dữ liệu: {F.md(build.summary)}")
    elif not build.done:
        st.info("Chương trình vừa được cập nhật: đang dựng lại bản dữ liệu từ các tệp đã lưu trữ. Trong lúc chờ, "
                "một số phần có thể chưa hiển thị.")
        st.progress(min(build.fraction, 1.0), text=F.md(build.message))
    elif not build.ok:
        st.warning(f"Chương trình vừa được cập nhật nhưng chưa dựng lại được bản dữ liệu: {F.md(build.summary)} "
                   "Chạy `python -m etl run --rebuild`.")


def _no_snapshot(settings: Settings, lost: str | None = None) -> None:
    """No snapshot served: a fresh data directory watches the demo build the launcher runs (or says what to run);
    one whose runs published nothing, or whose snapshot files are all gone, says so. Either keeps watching and
    continues when a snapshot is published."""
    if lost is None and firststart.needs_demo(settings):
        bootstrap.show_build(settings)
    st.title("Chưa có bản dữ liệu")
    if lost:
        st.error(f"Tệp bản dữ liệu đang được chỉ định ({F.md(lost)}) không còn trên máy chủ, và không còn bản dữ liệu "
                 "nào khác trong thư mục dữ liệu. Lần chạy nạp số liệu tiếp theo sẽ dựng lại từ các tệp đã lưu trữ; "
                 "hãy báo quản trị hệ thống.")
    else:
        st.error(f"Thư mục dữ liệu {F.md(settings.data_dir)} chưa có bản dữ liệu nào được công bố, và quy trình nạp số "
                 "liệu đã từng chạy ở đây nên hệ thống không tự tạo dữ liệu mẫu.")
    runs = q.run_log(settings)
    if runs:
        last = runs[-1]
        st.write(f"Lần chạy gần nhất: {F.datetime(last.get('started_at'))} — "
                 f"{F.RUN_STATUS.get(last.get('status'), last.get('status'))}.")
    st.write("Chạy `python -m etl run` (hoặc `python -m etl demo` để dùng dữ liệu mẫu); trang này tự tiếp tục khi có "
             "bản dữ liệu.")
    bootstrap.watch(settings)
    st.stop()


def _navigation(meta: dict, account: signin.state.Account) -> None:
    st.sidebar.markdown(f"**Ban Chỉ đạo phòng, chống dịch COVID-19**  \n**{F.md(meta['province_name'])}**")
    for path, label in PAGES + ((ADMIN_PAGE,) if account.role == "admin" else ()):
        st.sidebar.page_link(path, label=label)


def _keep_as_of(last: dt.date) -> None:
    """on_change of the date picker: remember a date the viewer chose; choosing the latest means 'follow the data'."""
    picked = st.session_state.get("as_of")
    st.session_state["as_of_kept"] = None if picked in (None, last) else picked


def _as_of_picker(meta: dict) -> dt.date:
    first = pd.Timestamp(meta["first_date"]).date()
    last = pd.Timestamp(meta["last_date"]).date()
    state = st.session_state
    # The widget's own state is dropped when the viewer opens another page, and a viewer who never chose a date
    # must move on to the newest date when a new snapshot arrives: the date shown is derived from a plain key.
    kept = state.get("as_of_kept")
    wanted = kept if kept is not None and first <= kept <= last else last
    if state.get("as_of") != wanted:
        state["as_of"] = wanted
    value = st.sidebar.date_input(
        "Số liệu đến ngày", min_value=first, max_value=last, format="DD/MM/YYYY", key="as_of",
        on_change=_keep_as_of, args=(last,),
        help="Mọi con số trên trang là số liệu đến hết ngày này (nguồn nào chưa có số liệu ngày này thì lấy ngày "
             "gần nhất trước đó, và ghi rõ ngày đó cạnh con số). Mặc định là ngày mới nhất có trong dữ liệu.",
    )
    return min(max(value or last, first), last)


def _latest_run(runs: list[dict]) -> dict | None:
    return runs[-1] if runs else None


def _sidebar_freshness(snapshot: str, meta: dict, scope: q.Scope, as_of: dt.date, runs: list[dict]) -> None:
    """Built once per snapshot, scope, as-of date, age of the snapshot and state of the latest run, then replayed
    (app.replay): every viewer's every page run draws it."""
    last = _latest_run(runs)
    state = (last.get("status"), last.get("started_at")) if last else None
    replay.drawn(("sidebar_freshness", snapshot, scope, as_of, F.age(meta["built_at"]), state),
                 lambda: _draw_freshness(snapshot, meta, scope, as_of, last))


def _draw_freshness(snapshot: str, meta: dict, scope: q.Scope, as_of: dt.date, last: dict | None) -> None:
    side = st.sidebar
    side.divider()
    side.markdown("**Độ mới của dữ liệu**")
    side.markdown(f"Bản dữ liệu dựng lúc {F.datetime(meta['built_at'])} (cách đây {F.age(meta['built_at'])})")
    if last:
        status = F.RUN_STATUS.get(last.get("status"), last.get("status"))
        text = f"Lần chạy nạp số liệu gần nhất: {F.datetime(last.get('started_at'))} — {status}"
        (side.error if last.get("status") in FAILED_RUNS else side.markdown)(text)
    fresh = q.source_freshness(snapshot, scope)
    with side.expander("Ngày số liệu mới nhất theo nguồn"):
        lines = [f"- {F.SOURCES.get(r.source, r.source)}: {F.date(r.latest_data_date)}"
                 for r in fresh.itertuples() if not F.missing(r.latest_data_date)]
        st.markdown("\n".join(lines) or "Chưa có nguồn nào.")
    # the statuses of the data-quality page's "Báo cáo gửi tỉnh": the same query, judged on the same as-of date
    subs = q.report_submissions(snapshot, scope, as_of)
    warn, text = weekly_report_line(subs, as_of)
    (side.warning if warn else side.markdown)(text)
    weekly = subs["report_kind"] == "district_report"
    latest_week = weekly & (subs["due_date"] == subs.loc[weekly, "due_date"].max())
    other_missing = int(((subs["status"] == "missing") & ~latest_week).sum())
    if other_missing:
        side.markdown(f"Báo cáo khác đã quá hạn mà chưa nộp: **{F.num(other_missing)}**.")
    if warn or other_missing:
        side.page_link(PAGE["Chất lượng số liệu"], label="→ Mọi báo cáo gửi tỉnh")
    side.caption(f"Mã bản dữ liệu (ghi khi báo lỗi): {meta['run_id']}")


def weekly_report_line(subs: pd.DataFrame, as_of: dt.date) -> tuple[bool, str]:
    """(worth a warning, the line) for the latest weekly district report due by the as-of date, from
    report_submissions() rows (statuses judged on the as-of date): the sidebar and the data-quality page say it alike."""
    week = subs[subs["report_kind"] == "district_report"]
    if week.empty:
        return False, f"Chưa có hạn nộp báo cáo tuần nào của huyện đến ngày {F.date(as_of)}."
    due = week["due_date"].max()
    week = week[week["due_date"] == due]
    received = int(week["status"].isin(["on_time", "late"]).sum())
    head = f"Báo cáo tuần của huyện, hạn {F.date(due)}"
    late = week[week["status"].isin(["missing", "late"])]
    if not late.empty:
        return True, F.late_reports_text(late)
    if (week["status"] == "upcoming").any():
        return False, (f"{head} (hôm nay): đã nhận {F.num(received)}/{F.num(len(week))}, các huyện còn lại chưa đến "
                       "hạn.")
    return False, f"{head}: đã nhận đủ {F.num(received)}/{F.num(len(week))}."


def _header(title: str, meta: dict, as_of: dt.date, runs: list[dict]) -> None:
    st.caption(f"BAN CHỈ ĐẠO PHÒNG, CHỐNG DỊCH COVID-19 {F.md(meta['province_name'].upper())}")
    st.title(title)
    st.markdown(f"Số liệu đến ngày **{F.date(as_of)}**")
    last = _latest_run(runs)
    if last and last.get("status") in FAILED_RUNS:
        st.warning(
            f"Lần nạp số liệu lúc {F.datetime(last.get('started_at'))} "
            f"{F.RUN_STATUS.get(last.get('status'), last.get('status'))}: không có bản dữ liệu mới. "
            f"Đang hiển thị bản dữ liệu dựng lúc {F.datetime(meta['built_at'])}, cũ {F.age(meta['built_at'])}."
        )
