"""Chất lượng số liệu: district reports against the vaccination platform (±10%), the reconciliation ledger (where
each discrepancy stands, who answers for it), reports late or missing, and the data checks of the snapshot."""
import streamlit as st

from app import formatting as F
from app import mapdata as M
from app import ledger_view as LV
from app import queries as q
from app import signin
from app import widgets as W
from app.frame import frame, weekly_report_line
from app.state import LEDGER_REASONS, LEDGER_STATUS, ledger_write_allowed

f = frame("Chất lượng số liệu")


# A fragment: choosing a district reruns only its communes, not the page.
@st.fragment
def rec_communes(rec_cols: dict) -> None:
    names = q.districts(f.snapshot, f.scope)
    label = dict(zip(names["district_code"], names["district_name"]))
    district = st.selectbox("Xem các xã của huyện", [None, *label], key="rec_district",
                            format_func=lambda c: "— chọn huyện —" if c is None else label[c], placeholder="Chọn…")
    if district:
        W.table(q.reconciliation_units(f.snapshot, f.scope, f.as_of, district), rec_cols, key="rec_communes",
                file_name=f"doi_chieu_xa_{district}_{f.as_of:%Y%m%d}",
                note=f"{label[district]}: đối chiếu theo xã, đến ngày {F.date(f.as_of)}")


# A fragment: picking an item reruns only its form and history; writing it reruns the page.
@st.fragment
def update_item(writable, store) -> None:
    districts = LV.pick_districts(writable)
    district = None
    if districts:  # a long ledger (a whole country's): its district first, then its items
        found = q.districts(f.snapshot, f.scope)
        names = dict(zip(found["district_code"], found["district_name"])) | {LV.PROVINCE_LEVEL: f.province}
        district = st.selectbox("Huyện của mục cần cập nhật", districts, key="ledger_district",
                                format_func=lambda c: names.get(c, c), placeholder="Chọn…")
    items = LV.choices(writable, district)
    picked = st.selectbox("Cập nhật một mục", list(items), key="ledger_item",
                          format_func=lambda k: LV.label(items[k]), placeholder="Chọn…")
    row = items[picked]
    st.markdown(f"{F.md(row.kind_text)}, {F.md(row.unit_name)}: {F.md(row.detail)}")
    reasons = [None, *LEDGER_REASONS]
    with st.form("ledger_form"):
        status = st.selectbox("Tình trạng", list(LEDGER_STATUS), key=f"ledger_status_{picked}",
                              index=list(LEDGER_STATUS).index(row.status or "new"), format_func=LEDGER_STATUS.get,
                              placeholder="Chọn…")
        reason = st.selectbox("Lý do", reasons, key=f"ledger_reason_{picked}",
                              index=reasons.index(row.reason) if row.reason in reasons else 0,
                              format_func=lambda r: "— chưa chọn —" if r is None else r, placeholder="Chọn…")
        note = st.text_area("Ghi chú (giải trình, việc đã làm)", value=row.note or "", key=f"ledger_note_{picked}")
        owner = st.text_input("Người phụ trách", value=row.owner or "", key=f"ledger_owner_{picked}")
        submitted = st.form_submit_button("Ghi vào sổ", type="primary", key="ledger_submit")
    if submitted and ledger_write_allowed(f.account, row.district_code):
        store.ledger_write(*LV.key_from_text(picked), status=status, reason=reason, note=note.strip() or None,
                           owner=owner.strip() or None, login=f.account.login, address=signin.address())
        st.session_state["_ledger_saved"] = f"Đã ghi vào sổ: {row.kind_text}, {row.unit_name} — " \
                                            f"{LEDGER_STATUS[status]}."
        st.rerun()
    with st.expander("Lịch sử thay đổi của mục này"):
        history = LV.history_frame(store.ledger_history(*LV.key_from_text(picked)))
        if history.empty:
            st.caption("Chưa có thay đổi nào được ghi cho mục này.")
        else:
            W.table(history, {"at": W.Col("Lúc", "datetime"), "login": W.Col("Người sửa"),
                              "change": W.Col("Tình trạng"), "new_reason": W.Col("Lý do"),
                              "new_owner": W.Col("Phụ trách"), "new_note": W.Col("Ghi chú", screen=False),
                              "address": W.Col("Địa chỉ máy", screen=False)},
                    key="ledger_history", file_name="lich_su_so_theo_doi", download=False)


# A fragment: choosing a check reruns only its rows, not the page.
@st.fragment
def check_detail(options: list, titles: dict, flagged) -> None:
    check = st.selectbox("Xem các dòng bất thường của kiểm tra", options, key="check_rows",
                         index=options.index(asked) if asked in titles else 0,
                         format_func=lambda c: "— chọn kiểm tra —" if c is None else titles[c], placeholder="Chọn…")
    if check:
        LIMIT = 500
        rows = q.check_rows(f.snapshot, f.scope, check, LIMIT)
        total = int(flagged.set_index("check_id").loc[check, "rows_flagged"])
        st.caption(f"{F.md(titles[check])}: {W.show(W.fig('rows_flagged', total, scope=check))} dòng"
                   + (f", hiện {W.show(W.fig('rows_shown_limit', LIMIT, scope=check))} dòng mới nhất"
                      if total > LIMIT else "")
                   + ". Số liệu vẫn được dùng như đã nhận; cần đơn vị gửi rà soát và gửi lại nếu sai.")
        W.table(rows, {"unit_name": W.Col("Đơn vị"), "district_name": W.Col("Huyện"),
                       "ref_date": W.Col("Ngày", "date"), "detail": W.Col("Chi tiết")},
                key="check_detail", file_name=f"kiem_tra_{check}", max_rows=15,
                note=f"{titles[check]} — các dòng bất thường")


st.subheader("Báo cáo của huyện so với nền tảng tiêm chủng")
rec = q.reconciliation_units(f.snapshot, f.scope, f.as_of)
rec_cols = {"unit_name": W.Col("Đơn vị"), "report_date": W.Col("Ngày báo cáo", "date"),
            "cohort": W.Col("Nhóm tuổi", words=F.COHORT_SHORT), "dose": W.Col("Mũi", "int"),
            "reported": W.Col("Huyện báo cáo", "int"), "platform": W.Col("Nền tảng", "int"),
            "difference": W.Col("Chênh lệch", "int"), "ratio_pct": W.Col("Báo cáo / nền tảng", "pct"),
            "flagged": W.Col("Lệch quá 10%", "flag")}
if rec.empty:
    st.info(f"Chưa có biểu mẫu báo cáo của huyện đến ngày {F.date(f.as_of)}.")
else:
    # one definition with the overview (reconciliation_flags): each district's latest weekly report, counted per level
    district_flags = q.reconciliation_flags(f.snapshot, f.scope, f.as_of, "district")
    commune_flags = q.reconciliation_flags(f.snapshot, f.scope, f.as_of, "commune")
    rec_dates = sorted(set(rec["report_date"]))
    when = (F.date(rec_dates[0]) if len(rec_dates) == 1
            else f"{F.date(rec_dates[0])} đến {F.date(rec_dates[-1])}")
    st.markdown(f"Báo cáo tuần gần nhất của mỗi huyện (ngày {when}), lệch quá 10% so với nền tảng: "
                f"**{W.show(W.fig('report_vs_platform_district_rows', len(district_flags), scope=f.scope_key))}** "
                f"dòng huyện × nhóm tuổi × mũi; ở cấp xã "
                f"**{W.show(W.fig('report_vs_platform_commune_rows', len(commune_flags), scope=f.scope_key))}** dòng "
                "xã × nhóm tuổi × mũi.")
    st.caption("Số người đã tiêm ≥ mũi k trong biểu mẫu gần nhất của mỗi huyện, so với nền tảng tiêm chủng cùng "
               "ngày (WHO: nhất quán giữa hai nguồn). Lệch quá ±10% được đánh dấu; dòng lệch nhiều nhất ở trên. "
               "Bảng dưới: mọi dòng huyện × nhóm tuổi × mũi, lệch hay không; chọn một huyện để xem các xã.")
    W.table(rec, rec_cols, key="rec_districts", file_name=f"doi_chieu_huyen_{f.as_of:%Y%m%d}",
            note=f"Đối chiếu báo cáo huyện với nền tảng, đến ngày {F.date(f.as_of)}")
    rec_communes(rec_cols)

st.subheader("Sổ theo dõi chênh lệch")
saved = st.session_state.pop("_ledger_saved", None)
if saved:
    st.success(F.md(saved))
store = signin.state_of(f.settings)
units = q.discrepancy_units(f.snapshot, f.scope)
ledger = LV.merged(f.snapshot, f.scope, f.as_of, store.ledger_entries(tuple(units["unit_code"])))
# the overview's count (app.figures compares them)
st.markdown(f"Mục đang mở: **{W.show(W.fig('ledger_open_items', LV.open_count(ledger), scope=f.scope_key))}** trên "
            f"{W.show(W.fig('ledger_items', len(ledger), scope=f.scope_key))} mục của sổ.")
st.caption("Mỗi chênh lệch (báo cáo của huyện lệch nền tảng quá 10%, hai nguồn lệch nhau, dân số báo cáo khác tệp dân "
           "số, bao phủ trên 100%) là một mục, theo loại, đơn vị, nhóm tuổi và mũi, không theo ngày báo cáo. Đang mở: "
           "mục mới, đang xử lý, hoặc mở lại (đã báo sửa số liệu mà số liệu vẫn lệch). Đã giải trình thì không còn mở; "
           "chênh lệch không còn trong số liệu mới thì là «đã khớp theo số liệu mới». Tệp Excel có chi tiết, ghi chú "
           "và thời điểm cập nhật.")
if ledger.empty:
    st.info(f"Không có chênh lệch nào trong phạm vi xem, số liệu đến ngày {F.date(f.as_of)}.")
else:
    W.table(ledger, {"kind_text": W.Col("Loại"), "unit_name": W.Col("Đơn vị"),
                     "cohort": W.Col("Nhóm tuổi", words=F.COHORT_SHORT), "dose": W.Col("Mũi", "int"),
                     "state_text": W.Col("Tình trạng"), "reason": W.Col("Lý do"), "owner": W.Col("Phụ trách"),
                     "updated_by": W.Col("Người cập nhật"), "detail": W.Col("Chi tiết", screen=False),
                     "ref_date": W.Col("Ngày số liệu", "date", screen=False), "note": W.Col("Ghi chú", screen=False),
                     "updated_at": W.Col("Cập nhật lúc", "datetime", screen=False)},
            key="ledger", file_name=f"so_theo_doi_chenh_lech_{f.as_of:%Y%m%d}", row_key=("key",),
            note=f"Sổ theo dõi chênh lệch, số liệu đến ngày {F.date(f.as_of)}")
    writable = LV.writable(ledger, f.account)
    if writable.empty:
        st.caption("Sở Y tế / CDC và huyện có chênh lệch được cập nhật sổ này (mỗi huyện các mục của huyện mình); "
                   "tài khoản này chỉ xem.")
    else:
        update_item(writable, store)

st.subheader("Báo cáo gửi tỉnh")
subs = q.report_submissions(f.snapshot, f.scope, f.as_of)
# the sidebar's line, from the same rows: one status per report on one as-of date
warn, line = weekly_report_line(subs, f.as_of)
(st.warning if warn else st.markdown)(line)
st.caption(f"Báo cáo có hạn đến ngày {F.date(f.as_of)}, tình trạng tính đến ngày đó (tệp nhận sau ngày đó chưa "
           "tính): chưa nộp (đã quá hạn) và nộp muộn ở trên; báo cáo hạn đúng ngày đang xem mà chưa nộp là chưa đến "
           "hạn. Số ngày của báo cáo chưa nộp là số ngày đã quá hạn; ngày nhận (ngày tệp đến hộp thư) ở tệp Excel.")
W.table(subs,
        {"unit_name": W.Col("Đơn vị"), "title": W.Col("Báo cáo"), "due_date": W.Col("Hạn", "date"),
         "received_date": W.Col("Ngày nhận", "date", screen=False),
         "state_text": W.Col("Tình trạng"), "status": W.Col("Tình trạng (mã)", words=F.REPORT_STATUS, screen=False),
         "days_late": W.Col("Số ngày muộn", "int", screen=False)},
        key="submissions", file_name=f"bao_cao_gui_tinh_{f.as_of:%Y%m%d}",
        row_key=("unit_code", "report_kind", "due_date"))

st.subheader("Tệp bị từ chối")
rejected = q.rejected_files(f.settings, f.snapshot, f.scope)
if rejected.empty:
    st.caption("Chưa có tệp nào bị từ chối.")
elif len(f.scope) == len(q.all_districts(f.snapshot)):
    st.caption(f"Lần nạp lúc {F.datetime(rejected['started_at'].iloc[0])}: các tệp này được đưa vào thư mục cách ly "
               "(quarantine) kèm báo cáo lỗi; đơn vị gửi cần sửa và gửi lại.")
    W.table(rejected, {"file": W.Col("Tệp"), "reason": W.Col("Lý do")}, key="rejected",
            file_name="tep_bi_tu_choi")
else:
    # a file's name may name another district (bao_cao_huyen_tam_dao…): the list is for whole-province viewers
    st.caption(f"Lần nạp lúc {F.datetime(rejected['started_at'].iloc[0])}: "
               f"{W.show(W.fig('files_rejected', len(rejected), scope=f.meta['province_code']))} tệp bị từ chối và "
               "đưa vào thư mục cách ly. Danh sách tệp do Sở Y tế / CDC giữ; đơn vị gửi cần sửa và gửi lại.")

report = M.boundary_report(f.snapshot, f.scope, len(f.scope) == len(q.all_districts(f.snapshot)))
if report is not None:
    st.subheader("Ranh giới xã")
    if F.missing(report["file_name"]):
        st.caption(F.md(report["missing_reason"]))
    else:
        kind = " (ranh giới minh họa, không phải đo đạc)" if report["illustrative"] else ""
        st.caption(f"Tệp {F.md(report['file_name'])}{kind}: hệ tọa độ {F.md(report['crs'])} (theo "
                   f"{F.md(report['crs_from'])}), {F.md(report['transformation'])}; "
                   f"{W.show(W.fig('communes_with_shape', report['communes_with_shape'], scope=f.meta['province_code']))}"
                   " xã có ranh giới. Tệp mới trong thư mục boundaries/ của hộp thư thay tệp này ở lần nạp sau.")
        for title, items in (("Xã chưa có trong tệp", report["missing"]), ("Đối tượng không khớp xã nào",
                             report["unmatched"]), ("Đa giác bị bỏ", report["refused"]), ("Đa giác đã sửa",
                             report["repaired"])):
            if len(items):
                more = " …" if len(items) > 40 else ""
                st.markdown(f"**{title}** ({len(items)}): {'; '.join(F.md(item) for item in items[:40])}{more}")
        W.table(report["districts"], {"unit_name": W.Col("Huyện"),
                                      "covered_pct": W.Col("Ranh giới huyện được các xã phủ", "pct"),
                                      "outside_pct": W.Col("Phần các xã nằm ngoài ranh giới huyện", "pct")},
                key="boundary_check", file_name="doi_chieu_ranh_gioi_huyen",
                note="Các xã của tệp ranh giới gộp theo huyện, so với ranh giới huyện đi kèm chương trình")

st.subheader("Kiểm tra số liệu của bản dữ liệu này")
checks = q.check_summary(f.snapshot, f.scope)
st.caption("Mỗi kiểm tra là một truy vấn tìm dòng bất thường; số liệu bất thường vẫn được nạp và được đánh dấu ở đây.")
W.table(checks,
        {"title": W.Col("Kiểm tra"), "severity": W.Col("Mức độ", words=F.SEVERITY),
         "rows_flagged": W.Col("Số dòng bất thường", "int")},
        key="checks", file_name="kiem_tra_so_lieu", row_key=("check_id",))
flagged = checks[checks["rows_flagged"] > 0]
if "report_vs_platform" in set(flagged["check_id"]):
    st.caption("Kiểm tra «" + F.md(flagged.set_index("check_id").loc["report_vs_platform", "title"]) + "» đếm dòng "
               "xã × nhóm tuổi × mũi của ngày báo cáo mới nhất trong bản dữ liệu (không theo ngày đang xem); mục đầu trang "
               "đếm theo báo cáo gần nhất của mỗi huyện đến ngày đang xem, dòng huyện và dòng xã riêng.")
if not flagged.empty:
    titles = dict(zip(flagged["check_id"], flagged["title"], strict=True))
    # a link from another page may name the check to open (?kiem_tra=<check_id>, as the overview's facility section)
    options = [None, *titles]
    asked = st.query_params.get("kiem_tra")
    check_detail(options, titles, flagged)
