"""Who the viewer is, and the districts they may see: sign-in, the session that survives a reload, sign-out, and the
scope of each role. The frame calls require() before anything else on every page (the first-start and "no snapshot"
pages included), then scope_of() once a snapshot is known.

Sessions live in the state database (app.state), server-side; the browser holds only an opaque random id, in a
cookie named COOKIE (SameSite=Strict, Path=/, 8 hours) written by a script of the page itself, since Streamlit sets no
cookie of its own. A new tab or a reload sends it with the websocket's first request (st.context.cookies), and the
session is found again; sign-out and expiry delete the server-side row, so a copied id stops working. The id never
appears in a URL. Being written by a script, the cookie cannot be HttpOnly: a script injected into the page could read
it, which is why every text from source files is escaped (app.formatting.md).
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from app import demo_accounts, state
from app import formatting as F
from app import queries as q
from etl.settings import Settings

COOKIE = "bcd_phien"
TOKEN = "_phien"  # this browser tab's session id, once signed in (st.session_state)
# The roles that see every district of the snapshot; a member sees the districts the assignments file gives them, a
# district account its own district.
WHOLE_PROVINCE = {"admin", "committee", "health"}


@st.cache_resource(max_entries=8, show_spinner=False)
def _state(path: str) -> state.State:
    return state.State(Path(path))


def state_of(settings: Settings) -> state.State:
    """The state database of a data directory (opened once per server process: its migrations run then)."""
    return _state(str(settings.data_dir / "state" / "state.sqlite3"))


def address() -> str:
    """The viewer's address, for the audit trail (behind a proxy: the first X-Forwarded-For hop)."""
    forwarded = (st.context.headers or {}).get("X-Forwarded-For")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return st.context.ip_address or "không rõ"


def _cookie_script(token: str | None) -> str:
    """A script that writes (or, with None, deletes) the session cookie in the viewer's browser."""
    if token is None:
        return f"<script>document.cookie = '{COOKIE}=; Path=/; Max-Age=0; SameSite=Strict';</script>"
    seconds = state.IDLE_HOURS * 3600
    return f"<script>document.cookie = '{COOKIE}={token}; Path=/; Max-Age={seconds}; SameSite=Strict';</script>"


def viewer(settings: Settings) -> state.Account | None:
    """The signed-in account of this browser tab: its session id from this tab's state, or from the cookie the
    browser sent when it connected (a reload, a new tab); None when there is none or it has expired."""
    store = state_of(settings)
    token = st.session_state.get(TOKEN) or (st.context.cookies or {}).get(COOKIE)
    account = store.session(token) if token else None
    if account is None:
        st.session_state.pop(TOKEN, None)
        return None
    st.session_state[TOKEN] = token
    if (st.context.cookies or {}).get(COOKIE) != token:
        # the browser does not hold this session yet (just signed in): give it the id, for the next reload or tab
        st.html(_cookie_script(token), unsafe_allow_javascript=True)
    return account


def require(settings: Settings) -> state.Account:
    """The signed-in account; else the sign-in page (or the password change an issued password requires), and the
    run stops there."""
    if _first_start(settings):
        demo_accounts.ensure(settings)  # a fresh demo directory: its accounts exist before anyone must sign in
    account = viewer(settings)
    if account is None:
        _sign_in_page(settings)
        st.stop()
    if account.must_change_password:
        _change_password_page(settings, account)
        st.stop()
    return account


def _first_start(settings: Settings) -> bool:
    from etl import firststart

    return firststart.needs_demo(settings)


def _sign_in_page(settings: Settings) -> None:
    st.title("Đăng nhập")
    st.caption("Bảng điều hành phòng, chống dịch COVID-19 — dành cho Ban Chỉ đạo, Ban Thường vụ, Sở Y tế và CDC, "
               "các huyện. Hỏi quản trị hệ thống nếu chưa có tài khoản.")
    if st.session_state.pop("_signed_out", False):
        st.html(_cookie_script(None), unsafe_allow_javascript=True)
        st.success("Đã đăng xuất.")
    with st.form("signin", enter_to_submit=True):
        login = st.text_input("Tên đăng nhập", key="signin_login")
        password = st.text_input("Mật khẩu", type="password", key="signin_password")
        submitted = st.form_submit_button("Đăng nhập", type="primary")
    if submitted:
        result = state_of(settings).sign_in(login, password, address())
        if result.ok:
            st.session_state[TOKEN] = state_of(settings).new_session(result.account.login, address())
            st.rerun()
        elif result.reason == "locked":
            until = F.datetime(result.locked_until) if result.locked_until else "sau 15 phút"
            st.error(f"Tài khoản tạm khóa đến {until}: đã nhập sai mật khẩu {state.MAX_FAILURES} lần liền.")
        elif result.reason == "disabled":
            st.error("Tài khoản đã bị khóa; liên hệ quản trị hệ thống.")
        else:
            st.error("Tên đăng nhập hoặc mật khẩu không đúng.")
    if state_of(settings).is_demo():
        _demo_accounts_note(settings)


def _demo_accounts_note(settings: Settings) -> None:
    rows = [f"| `{a.login}` | {state.ROLES[a.role]} | {F.md(a.full_name)} |"
            for a in demo_accounts.demo_accounts(settings.province_code)]
    st.info("**Dữ liệu mẫu.** Các tài khoản mẫu, cùng mật khẩu "
            f"`{demo_accounts.DEMO_PASSWORD}`:\n\n| Tên đăng nhập | Vai trò | Tên |\n|---|---|---|\n" + "\n".join(rows))


def _change_password_page(settings: Settings, account: state.Account) -> None:
    st.title("Đổi mật khẩu")
    st.info("Mật khẩu này do quản trị cấp: hãy đặt mật khẩu của riêng mình (ít nhất 10 ký tự) trước khi vào.")
    with st.form("change_password"):
        first = st.text_input("Mật khẩu mới", type="password", key="new_password")
        again = st.text_input("Nhập lại mật khẩu mới", type="password", key="new_password_again")
        submitted = st.form_submit_button("Đổi mật khẩu", type="primary")
    if submitted:
        if first != again:
            st.error("Hai lần nhập không giống nhau.")
            return
        try:
            state_of(settings).set_password(account.login, first)
        except ValueError as error:
            st.error(str(error))
            return
        st.rerun()


def sign_out(settings: Settings) -> None:
    """Ends this tab's session server-side (every tab sharing its cookie is signed out too) and drops the cookie."""
    state_of(settings).end_session(st.session_state.pop(TOKEN, None), address())
    st.session_state["_signed_out"] = True


def scope_of(account: state.Account, snapshot: str) -> q.Scope:
    """The districts `account` may see in `snapshot`: every district for the roles in WHOLE_PROVINCE; a member, those
    whose member_login in the snapshot's assignments is theirs (the nightly file is the one source of truth); a
    district account, its own district if the snapshot has it."""
    if account.role in WHOLE_PROVINCE:
        return q.all_districts(snapshot)
    if account.role == "member":
        return q.member_districts(snapshot, account.login)
    return tuple(c for c in q.all_districts(snapshot) if c == account.district_code)


def account_box(settings: Settings, account: state.Account, scope_names: str) -> None:
    """Who is signed in, in which role, over which districts; and the way out."""
    side = st.sidebar
    side.markdown(f"**{F.md(account.full_name)}**  \n{state.ROLES[account.role]} · {F.md(scope_names)}")
    side.button("Đăng xuất", key="sign_out", on_click=sign_out, args=(settings,))
