"""Quản trị: accounts (create, disable, reset a password) and the audit trail (filters, Excel). Administrators only;
anyone else who opens it by URL sees a refusal, and the attempt is audited. Every change goes through app.state (the
state database's one door) and is itself audited with who made it and from where."""
import datetime as dt

import streamlit as st

from app import formatting as F
from app import queries as q
from app import signin
from app import widgets as W
from app.frame import frame
from app.state import ROLES, UnknownLogin

f = frame("Quản trị")
if f.account.role != "admin":
    signin.refuse(f.settings, f.account, "trang Quản trị")
    st.stop()
store = signin.state_of(f.settings)
by, where = f.account.login, signin.address()

st.subheader("Tài khoản")
W.table(signin.accounts_table(store), {"login": W.Col("Tên đăng nhập"), "full_name": W.Col("Họ tên"),
                   "role": W.Col("Vai trò", words=ROLES), "district_code": W.Col("Mã huyện"),
                   "province_code": W.Col("Mã tỉnh"),
                   "disabled": W.Col("Đã khóa", "flag", flag_text="khóa"),
                   "must_change_password": W.Col("Phải đổi mật khẩu", "flag", flag_text="phải đổi")},
        key="accounts", file_name=f"tai_khoan_{dt.date.today():%Y%m%d}", max_rows=20)

with st.expander("Tạo tài khoản"), st.form("create_account", clear_on_submit=True):
    login = st.text_input("Tên đăng nhập", key="new_login", help="Chữ thường không dấu, số, dấu chấm: uv.nguyenvana")
    name = st.text_input("Họ tên", key="new_name")
    role = st.selectbox("Vai trò", list(ROLES), format_func=ROLES.get, key="new_role", placeholder="Chọn…")
    district = st.text_input("Mã huyện (chỉ tài khoản huyện)", key="new_district")
    province = st.text_input("Mã tỉnh (tùy chọn: trên bản dữ liệu toàn quốc chỉ thấy tỉnh này)", key="new_province")
    if st.form_submit_button("Tạo tài khoản"):
        try:
            issued = store.create_account(login, name, role, district.strip() or None,
                                          province_code=province.strip() or None, by=by, address=where)
        except ValueError as error:
            st.error(F.md(error))
        else:
            st.success(f"Đã tạo tài khoản {F.md(login)}. Mật khẩu cấp lần đầu, chỉ hiện lần này; người dùng phải "
                       "đổi khi đăng nhập:")
            st.code(issued, language=None)

with st.expander("Tạo tài khoản cho các ủy viên trong bảng phân công"):
    members = [m for m in q.member_logins(f.snapshot, f.scope) if store.account(m[0]) is None]
    st.caption(f"Bảng phân công phụ trách địa bàn của bản dữ liệu đang dùng: "
               f"{W.show(W.fig('members_without_account', len(members), scope=f.scope_key))} ủy viên chưa có tài khoản. "
               "Mật khẩu cấp lần đầu chỉ hiện một lần; người dùng phải đổi khi đăng nhập.")
    if members and st.button("Tạo tài khoản", key="import_members"):
        issued = [(login, name, store.create_account(login, name, "member", by=by, address=where))
                  for login, name in members]
        W.table(signin.issued_table(issued), {"login": W.Col("Tên đăng nhập"), "full_name": W.Col("Họ tên"),
                                              "password": W.Col("Mật khẩu cấp lần đầu")},
                key="issued", file_name="mat_khau_cap_lan_dau", download=False)

with st.expander("Khóa, mở khóa, cấp lại mật khẩu"):
    logins = [a.login for a in store.accounts()]
    chosen = st.selectbox("Tài khoản", logins, key="admin_account", placeholder="Chọn…")
    c1, c2, c3 = st.columns(3)
    try:
        if c1.button("Khóa", key="admin_disable"):
            store.set_disabled(chosen, True, by=by, address=where)
            st.success(f"Đã khóa {F.md(chosen)}; mọi phiên đăng nhập của tài khoản đã kết thúc.")
        if c2.button("Mở khóa", key="admin_enable"):
            store.set_disabled(chosen, False, by=by, address=where)
            st.success(f"Đã mở khóa {F.md(chosen)}.")
        if c3.button("Cấp lại mật khẩu", key="admin_reset"):
            issued = store.reset_password(chosen, by=by, address=where)
            st.success(f"Mật khẩu mới của {F.md(chosen)}, chỉ hiện lần này; phải đổi khi đăng nhập:")
            st.code(issued, language=None)
    except (UnknownLogin, ValueError) as error:
        st.error(F.md(error))

st.subheader("Nhật ký")
st.caption("Đăng nhập (thành công, sai mật khẩu, tạm khóa), đăng xuất, truy cập bị từ chối ngoài phạm vi, tải tệp, "
           "thay đổi sổ theo dõi chênh lệch và tài khoản: ai, lúc nào, từ địa chỉ nào. Chỉ ghi thêm, không sửa xóa.")
c1, c2, c3, c4 = st.columns(4)
since = c1.date_input("Từ ngày", value=signin.audit_since_default(), format="DD/MM/YYYY", key="audit_since")
until = c2.date_input("Đến ngày", value=dt.date.today(), format="DD/MM/YYYY", key="audit_until")
who = c3.text_input("Tài khoản", key="audit_login")
event = c4.selectbox("Sự kiện", [None, *signin.AUDIT_EVENTS], key="audit_event",
                     format_func=lambda e: "tất cả" if e is None else signin.AUDIT_EVENTS[e])
log = signin.audit_table(store, since, until, who.strip() or None, event)
W.table(log, {"at": W.Col("Lúc", "datetime"), "event": W.Col("Sự kiện", words=signin.AUDIT_EVENTS),
              "login": W.Col("Tài khoản"), "address": W.Col("Địa chỉ"), "detail": W.Col("Chi tiết", screen=False)},
        key="audit", file_name=f"nhat_ky_{since:%Y%m%d}_{until:%Y%m%d}", max_rows=20,
        note=f"Nhật ký từ {F.date(since)} đến {F.date(until)}")
