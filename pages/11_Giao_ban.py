"""Giao ban: the province's briefings (the day, the label, the as-of date and the snapshot their figures come from,
kept from retention), created by the committee, Sở Y tế / CDC or an administrator on the served snapshot and the
as-of date of the sidebar; for a briefing, its PDF pack for the viewer's scope (the province, a district, a member's
districts), made out of the server process one at a time (app.briefing_queue) while the page waits, then downloaded;
the briefing's packs within the viewer's scope listed."""
import datetime as dt

import streamlit as st

from app import briefing_queue as Q
from app import briefing_view as BV
from app import changes as C
from app import changes_view as CV
from app import formatting as F
from app import signin
from app import widgets as W
from app.frame import frame

f = frame("Giao ban")
if f.national:
    st.info("Buổi giao ban và tài liệu giao ban là của một tỉnh: hãy dùng thư mục dữ liệu của tỉnh.")
    st.stop()
province = str(f.meta["province_code"])
st.caption("Mỗi buổi giao ban ghi ngày họp, ngày số liệu và bản dữ liệu đã dùng; bản dữ liệu đó được giữ lại "
           "vĩnh viễn, nên tài liệu PDF của buổi giao ban luôn tạo lại được đúng số liệu đã trình bày.")

viewed = BV.viewing(f.settings)
if viewed is not None:
    st.caption("Đang xem số liệu của một buổi giao ban: quay lại số liệu hiện hành (nút ở đầu trang) để tạo buổi "
               "giao ban mới.")
elif Q.briefing_write_allowed(f.account):
    with st.expander("Tạo buổi giao ban"), st.form("briefing_new", clear_on_submit=True):
        held_on = st.date_input("Ngày họp", value=dt.date.today(), format="DD/MM/YYYY", key="briefing_day")
        label = st.text_input("Tên buổi giao ban", key="briefing_label",
                              placeholder=Q.default_label(held_on or dt.date.today()))
        st.caption(f"Số liệu đến ngày {F.date(f.as_of)} (chọn ở thanh bên), bản dữ liệu đang dùng "
                   f"{F.md(Q.snapshot_name(f.snapshot))}.")
        if st.form_submit_button("Tạo buổi giao ban"):
            try:
                made = Q.create(f.settings, f.account, f.snapshot, province, f.as_of, held_on, label,
                                signin.address())
            except (ValueError, PermissionError) as error:
                st.error(F.md(error))
            else:
                st.session_state["briefing_pick"] = made.id
                st.success(f"Đã tạo buổi giao ban «{F.md(made.label)}»; bản dữ liệu {F.md(made.snapshot)} được giữ lại.")

listed = Q.listing(f.settings, province)
st.caption(f"Các buổi giao ban của {F.md(f.province)}: {W.show(W.fig('briefings', len(listed), scope=province))}.")
if not listed:
    st.caption("Chưa có buổi giao ban nào.")
    st.stop()
picked = st.selectbox("Buổi giao ban", list(listed), format_func=listed.get, key="briefing_pick", placeholder="Chọn…")
found = Q.briefing(f.settings, picked)
st.caption(F.md(Q.about(found, f.snapshot)))
st.button("Xem bảng điều khiển theo số liệu buổi giao ban này", key="briefing_view_go", on_click=BV.view,
          args=(found.id,), disabled=viewed is not None and viewed.briefing.id == found.id,
          help="Mọi trang hiển thị bản dữ liệu và ngày số liệu của buổi giao ban, trong phạm vi của tài khoản này, "
               "với một dòng thông báo ở đầu trang và nút quay lại số liệu hiện hành.")

options = Q.scopes(f.snapshot, f.scope)
key = st.selectbox("Phạm vi tài liệu", list(options), format_func=lambda k: options[k][0], key="briefing_scope",
                   placeholder="Chọn…")
pack = Q.pack_of(f.settings, picked, key)
if st.button("Tạo tài liệu PDF", key="briefing_make", type="primary", disabled=Q.waiting(pack)):
    pack = Q.request(f.settings, found, key, options[key], f.account.login, signin.address())


@st.fragment(run_every=Q.POLL_S)
def wait_for(number: int, scope_key: str) -> None:
    """While the pack is made: its status every POLL_S seconds; once done (or failed), the whole page again."""
    now = Q.pack_of(f.settings, number, scope_key)
    if not Q.waiting(now):
        st.rerun(scope="app")
    Q.keep_waiting(f.settings, now)
    st.info(F.md(Q.status_text(now)))


if Q.waiting(pack):
    wait_for(picked, key)
elif pack is not None and pack.status == "done":
    st.success(F.md(Q.status_text(pack, Q.made_for(f.settings, pack))))
    st.download_button("Tải tài liệu PDF", data=Q.pdf_writer(f.settings, pack, st.session_state.get(W.DOWNLOAD_AUDIT)),
                       file_name=Q.download_name(found, pack), mime="application/pdf", key="briefing_pdf",
                       on_click="ignore")
    shown = Q.pdf_bytes(f.settings, pack)
    if shown is not None and st.toggle("Hiện tài liệu PDF trên trang", value=True, key="briefing_pdf_show"):
        st.pdf(shown, height=900)
elif pack is not None:
    st.error(F.md(Q.status_text(pack)))

st.subheader("Tài liệu đã tạo cho buổi giao ban")
W.table(Q.packs_table(f.settings, picked, f.scope),
        {"scope_name": W.Col("Phạm vi"), "status": W.Col("Tình trạng"), "requested_by": W.Col("Người yêu cầu"),
         "requested_at": W.Col("Yêu cầu lúc", "datetime"), "generated_at": W.Col("Tạo lúc", "datetime"),
         "generated_for": W.Col("Tạo cho"),
         "kb": W.Col("Cỡ tệp (KB)", "int")},
        key="briefing_packs", file_name=f"tai_lieu_giao_ban_{picked}",
        empty="Chưa có tài liệu nào được tạo cho buổi giao ban này trong phạm vi của tài khoản.")

st.subheader("Thay đổi từ buổi giao ban trước")
SINCE = {"den_nay": f"Từ buổi giao ban này đến số liệu đang xem (ngày {F.date(f.as_of)})",
         "truoc_do": "Từ buổi giao ban trước đó đến buổi giao ban này"}
since = st.radio("So sánh", list(SINCE), format_func=SINCE.get, key="briefing_since", horizontal=True)
if since == "den_nay":
    CV.show_since(f, f.scope, C.resolved(f.settings, found), key="giaoban_since", heading=False)
else:
    CV.show_since(f, f.scope, C.last_briefing(f.settings, province, before_briefing=found.id),
                  later=C.resolved(f.settings, found), key="giaoban_since", heading=False)
