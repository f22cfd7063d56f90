"""Chất lượng số liệu: district reports against the vaccination platform (±10%), reports late or missing, and the
data checks of the snapshot."""
import streamlit as st

from app import formatting as F
from app import queries as q
from app import widgets as W
from app.frame import frame, weekly_report_line

f = frame("Chất lượng số liệu")

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
    names = q.districts(f.snapshot, f.scope)
    label = dict(zip(names["district_code"], names["district_name"]))
    district = st.selectbox("Xem các xã của huyện", [None, *label], key="rec_district",
                            format_func=lambda c: "— chọn huyện —" if c is None else label[c])
    if district:
        W.table(q.reconciliation_units(f.snapshot, f.scope, f.as_of, district), rec_cols, key="rec_communes",
                file_name=f"doi_chieu_xa_{district}_{f.as_of:%Y%m%d}",
                note=f"{label[district]}: đối chiếu theo xã, đến ngày {F.date(f.as_of)}")

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
rejected = q.rejected_files(f.settings)
if rejected.empty:
    st.caption("Chưa có tệp nào bị từ chối.")
else:
    st.caption(f"Lần nạp lúc {F.datetime(rejected['started_at'].iloc[0])}: các tệp này được đưa vào thư mục cách ly "
               "(quarantine) kèm báo cáo lỗi; đơn vị gửi cần sửa và gửi lại.")
    W.table(rejected, {"file": W.Col("Tệp"), "reason": W.Col("Lý do")}, key="rejected",
            file_name="tep_bi_tu_choi")

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
    check = st.selectbox("Xem các dòng bất thường của kiểm tra", options, key="check_rows",
                         index=options.index(asked) if asked in titles else 0,
                         format_func=lambda c: "— chọn kiểm tra —" if c is None else titles[c])
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
