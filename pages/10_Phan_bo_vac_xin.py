"""Phân bổ vắc xin: the planner's proposal of which district gets which lot of the province store (a MIP solved by
HiGHS: first the fewest doses expiring unused, then the least unmet need weighted by the deadline's urgency, then the
fewest shipments), side by side with a pro-rata split by population; a what-if; the decision saved and its annex."""
import streamlit as st

from app import allocation_data as D
from app import allocation_decide as Dc
from app import allocation_view as V
from app import formatting as F
from app import widgets as W
from app.allocation_annex import file_name
from app.frame import frame, one_province

f = frame("Phân bổ vắc xin")
scope, where = one_province(f, "alloc_province")
found = D.province(f.snapshot, scope)
if found is None or not found[1]:
    st.info("Đề xuất phân bổ vắc xin được lập cho cả tỉnh, từ kho tỉnh (CDC) đến mọi huyện, thành phố: trang này dành "
            "cho tài khoản xem toàn tỉnh (Ban Chỉ đạo, Sở Y tế / CDC). Tồn kho các huyện được phân công xem ở trang "
            "«Vắc xin tồn kho».")
    st.stop()
province = found[0]
st.caption(f"{F.md(where)} — kho tỉnh và kho các huyện ngày {F.date(f.as_of)}; nguồn: {F.SOURCES['stock']}, "
           f"{F.SOURCES['platform']}, {F.SOURCES['targets']}.")
with st.expander("Căn cứ và cách lập đề xuất"):
    st.markdown(
        "*«…nhanh chóng thực hiện việc phân bổ số lượng vắc xin còn tồn đọng, không để bị hủy, gây lãng phí; ưu tiên "
        "tiêm trước vắc xin hạn sử dụng còn ít.»* (Thông báo số 496/TB-VP ngày 07/6/2022, UBND tỉnh Kiên Giang, mục 3)  \n"
        "*«Sở Y tế đảm bảo phân bổ đủ vắc xin cho các huyện, thành phố. Tuyệt đối không để xảy ra tình trạng thừa, "
        "thiếu cục bộ vắc xin.»* (Văn bản số 7431/UBND-KGVX ngày 20/12/2021, UBND tỉnh Đắk Nông)\n\n"
        "Đề xuất do bộ giải HiGHS lập theo thứ tự ưu tiên: (1) ít liều hết hạn chưa dùng nhất trong kỳ kế hoạch; "
        "(2) ít nhu cầu chưa đáp ứng nhất, người thuộc chỉ tiêu đến hạn trong 30 ngày hoặc đã quá hạn được tính đủ, "
        "chỉ tiêu xa hơn được tính giảm dần; (3) ít chuyến giao nhất. Quy tắc bắt buộc: không chia lẻ lọ giữa các "
        "kho; vắc xin chỉ dùng cho nhóm tuổi và mũi được phép; mỗi huyện dùng tồn kho của mình trước, lô hết hạn "
        "trước dùng trước, với tốc độ tiêm trung bình 7 ngày gần nhất; không giao lô mà huyện không kịp tiêm trước "
        "khi hết hạn. Mô hình đầy đủ (biến, hàm mục tiêu, ràng buộc): docs/allocation-model.md.")

goals = D.targets(f.snapshot, scope, f.as_of)
if goals.empty:
    st.success(f"Ngày {F.date(f.as_of)}, không còn chỉ tiêu bao phủ nào thiếu người ở {F.md(where)}: chưa có nhu cầu "
               "để phân bổ.")
    st.stop()
names = V.district_names(f.snapshot, scope)
goal_labels = V.target_labels(f.snapshot, scope, f.as_of)
lot_labels = V.lot_labels(f.snapshot, scope, f.as_of, province)

if st.session_state.get(Dc.REOPENED) is not None:
    st.info(F.md(Dc.reopened_text(Dc.decision(f.settings, st.session_state[Dc.REOPENED]), f.snapshot,
                                  st.session_state.get("alloc_reopen_lost", []))))
with st.form("alloc_form"):
    chosen = st.multiselect("Chỉ tiêu quyết định nhu cầu", list(goal_labels), default=list(goal_labels),
                            format_func=goal_labels.get, key="alloc_targets",
                            help="Các chỉ tiêu bao phủ còn thiếu người ngày đang xem (Tiến độ thực hiện chỉ tiêu). "
                                 "Bỏ chọn một chỉ tiêu để xem đề xuất khi chỉ tiêu đó không được tính.",
                            placeholder="Chưa chọn chỉ tiêu nào")
    mode = st.radio("Tính nhu cầu theo", list(D.NEED_MODES), format_func=D.NEED_MODES.get, horizontal=True,
                    key="alloc_mode")
    with st.expander("Thử phương án: loại lô, loại huyện, cố định dòng, kỳ kế hoạch"):
        excluded_lots = st.multiselect("Không phân bổ các lô", list(lot_labels), format_func=lot_labels.get,
                                       key="alloc_excluded_lots", placeholder="Không loại lô nào")
        excluded_districts = st.multiselect("Không phân bổ cho các huyện", list(names), format_func=names.get,
                                            key="alloc_excluded_districts", placeholder="Không loại huyện nào")
        horizon = st.number_input("Kỳ kế hoạch (ngày)", min_value=30, max_value=365, value=90, step=15,
                                  key="alloc_horizon",
                                  help="Lô hết hạn trong kỳ này mà không tiêm hết được tính là liều hết hạn chưa "
                                       "dùng; lô hạn dài hơn được giữ lại kho tỉnh cho lần phân bổ sau.")
        st.caption("Cố định dòng: huyện nhận đúng số lọ của lô đã chọn; bộ giải chia phần còn lại.")
        pinned = V.pinned_editor(names, lot_labels)
        st.caption("Giới hạn của kho huyện (không bắt buộc): sức chứa dây chuyền lạnh, tính cả tồn kho của huyện, và "
                   "số lọ tối thiểu của một chuyến giao.")
        limits = V.limits_editor(names)
    st.form_submit_button("Lập đề xuất", type="primary")

settings = D.settings_from(chosen, mode, excluded_lots, excluded_districts, horizon, pinned, limits)
if not settings.targets:
    st.warning("Chọn ít nhất một chỉ tiêu để tính nhu cầu.")
    st.stop()
plan = D.plan(f.snapshot, scope, f.as_of, province, tuple(names.items()), settings)

for note in plan.proposal.notes:
    st.caption(F.md(note))
if plan.proposal.status != "optimal":
    st.error("Không lập được đề xuất với các giả định đã chọn. Lý do:")
    for heading, texts in V.explanations(plan):
        st.markdown(f"**{heading}**  \n" + "  \n".join(f"- {F.md(t)}" for t in texts))
    st.stop()

h = V.headline(plan)
help_stock = F.source_help("stock", f.as_of, extra="Kỳ kế hoạch: " + V.days(settings.horizon_days) + ".")
c1, c2, c3, c4 = st.columns(4)
with c1:
    W.metric("Liều hết hạn chưa dùng", W.fig("allocation_expiring_unused", h["expiring_unused"][1], scope=f.scope_key),
             help_stock, delta="chia theo dân số: " + W.show(W.fig("allocation_expiring_unused_pro_rata", h["expiring_unused"][0], scope=f.scope_key)), note=True)
with c2:
    W.metric("Liều tránh được hết hạn", W.fig("allocation_saved", h["saved"][1], scope=f.scope_key),
             help_stock + "  \nSo với chia từng lô cho các huyện theo dân số của nhóm tuổi được phép, làm tròn lọ.")
with c3:
    W.metric("Nhu cầu chưa đáp ứng (người)", W.fig("allocation_unmet", h["unmet_people"][1], scope=f.scope_key),
             F.source_help("platform", f.as_of, "người còn thiếu của các chỉ tiêu đã chọn"),
             delta="chia theo dân số: " + W.show(W.fig("allocation_unmet_people_pro_rata", h["unmet_people"][0], scope=f.scope_key)), note=True)
with c4:
    W.metric("Huyện còn thiếu vắc xin", W.fig("allocation_districts_short", h["districts_short"][1], scope=f.scope_key),
             help_stock, delta="chia theo dân số: " + W.show(W.fig("allocation_districts_short_pro_rata", h["districts_short"][0], scope=f.scope_key)), note=True)

st.subheader("Đề xuất phân bổ từ kho tỉnh")
rows = V.proposal(plan)
W.table(rows, {"district_name": W.Col("Huyện"), "product": W.Col("Vắc xin"), "lot": W.Col("Số lô"),
               "expiry": W.Col("Hạn dùng", "date"), "vials": W.Col("Số lọ", "int"), "doses": W.Col("Số liều", "int"),
               "cohort": W.Col("Đối tượng"), "doses_per_vial": W.Col("Liều/lọ", "int", screen=False)},
        key="alloc_rows", file_name=f"de_xuat_phan_bo_{f.as_of:%Y%m%d}", note=f"Đề xuất phân bổ ngày {F.date(f.as_of)}",
        max_rows=15, row_key=("district", "lot"))

st.subheader("So với chia theo dân số")
W.table(plan.comparison, {"label": W.Col("Chỉ số"), "pro_rata": W.Col("Chia theo dân số", "int"),
                          "proposal": W.Col("Đề xuất", "int")},
        key="alloc_compare", file_name=f"so_sanh_phan_bo_{f.as_of:%Y%m%d}", row_key=("key",))

st.subheader("Vì sao đề xuất như vậy")
for heading, texts in V.explanations(plan):
    with st.expander(heading):
        st.markdown("  \n".join(f"- {F.md(t)}" for t in texts))

st.subheader("Số liệu đầu vào")
tab_lots, tab_need, tab_pace, tab_split = st.tabs(["Lô tại kho tỉnh", "Nhu cầu", "Tốc độ tiêm", "Chia theo dân số"])
with tab_lots:
    W.table(V.lots(plan), {"lot": W.Col("Số lô"), "product": W.Col("Vắc xin"), "expiry_date": W.Col("Hạn dùng", "date"),
                           "vials": W.Col("Số lọ", "int"), "doses": W.Col("Số liều", "int"),
                           "sent": W.Col("Giao theo đề xuất", "int"),
                           "expiring_unused": W.Col("Hết hạn chưa dùng", "int"),
                           "beyond_horizon": W.Col("Hạn sau kỳ kế hoạch", "flag"),
                           "loose_doses": W.Col("Liều lọ đã mở (giữ lại)", "int", screen=False)},
            key="alloc_lots", file_name=f"lo_kho_tinh_{f.as_of:%Y%m%d}", row_key=("lot",))
with tab_need:
    st.caption("Người còn thiếu theo từng chỉ tiêu (Tiến độ thực hiện chỉ tiêu), số còn kịp tiêm trước hạn và số đủ "
               "điều kiện tiêm ngay; mức ưu tiên 1 với chỉ tiêu đến hạn trong 30 ngày hoặc đã quá hạn.")
    W.table(V.need(plan, names), {"name": W.Col("Huyện"), "target": W.Col("Chỉ tiêu"),
                                  "deadline": W.Col("Hạn", "date"), "people_needed": W.Col("Còn thiếu", "int"),
                                  "need_by_deadline": W.Col("Kịp trước hạn", "int"),
                                  "need_eligible_now": W.Col("Đủ điều kiện ngay", "int"),
                                  "weight": W.Col("Mức ưu tiên", "num1")},
            key="alloc_need", file_name=f"nhu_cau_phan_bo_{f.as_of:%Y%m%d}", row_key=("district", "target_id"))
with tab_pace:
    st.caption("Liều tiêm trung bình mỗi ngày trong 7 ngày gần nhất tại kho huyện, theo sổ theo dõi vắc xin; huyện "
               "không tiêm một loại vắc xin trong 7 ngày qua không được đề xuất nhận loại đó.")
    W.table(V.pace(plan, names), {"name": W.Col("Huyện"), "product": W.Col("Vắc xin"),
                                  "doses_per_day": W.Col("Liều/ngày (7 ngày)", "num1")},
            key="alloc_pace", file_name=f"toc_do_tiem_{f.as_of:%Y%m%d}", row_key=("district", "product"))
with tab_split:
    W.table(V.split(plan),
            {"district_name": W.Col("Huyện"), "product": W.Col("Vắc xin"), "lot": W.Col("Số lô"),
             "expiry": W.Col("Hạn dùng", "date"), "vials": W.Col("Số lọ", "int"), "doses": W.Col("Số liều", "int")},
            key="alloc_split", file_name=f"chia_theo_dan_so_{f.as_of:%Y%m%d}", row_key=("district", "lot"))

st.subheader("Quyết định phân bổ")
if Dc.decision_write_allowed(f.account):
    with st.form("alloc_save"):
        note = st.text_input("Ghi chú kèm quyết định", key="alloc_note",
                             placeholder="Ví dụ: trình Giám đốc Sở Y tế ký; số quyết định khi có")
        if st.form_submit_button("Lưu đề xuất đang xem thành quyết định"):
            saved, label = Dc.save(f.settings, f.account, f.snapshot, scope, f.as_of, province, tuple(names.items()),
                                   settings, note)
            st.success(F.md(Dc.saved_text(saved, label)))
else:
    st.caption("Chỉ tài khoản Sở Y tế / CDC (hoặc quản trị) lưu được đề xuất thành quyết định; các quyết định đã lưu "
               "xem ở dưới.")
past = Dc.past(f.settings, province)
if not past:
    st.caption("Chưa có quyết định phân bổ nào được lưu.")
    st.stop()
picked = st.selectbox("Quyết định đã lưu", list(past), format_func=past.get, key="alloc_decision", index=None,
                      placeholder="Chọn một quyết định để xem, tải phụ lục hoặc mở lại")
if picked is None:
    st.stop()
found = Dc.decision(f.settings, picked)
if found.note:
    st.caption("Ghi chú: " + F.md(found.note))
st.button("Mở lại trong phần thử phương án", key="alloc_reopen", on_click=Dc.reopen_clicked,
          args=(f.settings, picked, list(goal_labels), list(lot_labels), list(names)))
st.download_button("Tải phụ lục quyết định (Excel)", data=Dc.annex_writer(found, f.province),
                   file_name=file_name(found), mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   key="alloc_annex", on_click="ignore")
tab_rows, tab_edits, tab_received = st.tabs(["Các dòng đã quyết định", "Sửa so với đề xuất", "Huyện đã nhận"])
with tab_rows:
    W.table(found.rows, {"district_name": W.Col("Huyện"), "product": W.Col("Vắc xin"), "lot": W.Col("Số lô"),
                         "expiry": W.Col("Hạn dùng", "date"), "vials": W.Col("Số lọ", "int"),
                         "doses": W.Col("Số liều", "int"), "cohort": W.Col("Đối tượng")},
            key="alloc_decision_rows", file_name=f"quyet_dinh_{picked}_cac_dong", row_key=("district", "lot"))
with tab_edits:
    W.table(Dc.edits(f.settings, found), {"district_name": W.Col("Huyện"), "product": W.Col("Vắc xin"),
                                          "lot": W.Col("Số lô"), "proposal_vials": W.Col("Bộ giải đề xuất (lọ)", "int"),
                                          "saved_vials": W.Col("Đã quyết định (lọ)", "int"),
                                          "change_vials": W.Col("Thay đổi (lọ)", "int")},
            key="alloc_decision_edits", file_name=f"quyet_dinh_{picked}_sua_doi", row_key=("district", "lot"))
with tab_received:
    st.caption(f"Liều các kho huyện ghi «Nhập» trong sổ theo dõi vắc xin sau ngày {F.date(found.as_of)} đến ngày "
               f"{F.date(f.as_of)}, so với quyết định.")
    W.table(Dc.received(f.snapshot, scope, found, f.as_of),
            {"district_name": W.Col("Huyện"), "product": W.Col("Vắc xin"), "lot": W.Col("Số lô"),
             "decided_doses": W.Col("Quyết định (liều)", "int"), "received_doses": W.Col("Đã nhận (liều)", "int"),
             "difference": W.Col("Chênh lệch", "int"), "status": W.Col("Tình trạng")},
            key="alloc_received", file_name=f"quyet_dinh_{picked}_da_nhan", row_key=("district", "lot"))
