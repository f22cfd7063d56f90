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

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from app import demo_accounts, state
from app import formatting as F
from app import queries as q
from etl import firststart
from etl.settings import Settings

COOKIE = "bcd_phien"
TOKEN = "_phien"  # this browser tab's session id, once signed in (st.session_state)
# The roles that see every district of the snapshot; a member sees the districts the assignments file gives them, a
# district account its own district.
WHOLE_PROVINCE = {"admin", "committee", "health"}
# The audit trail's events (app.state writes the sign-in, account and ledger ones), in Vietnamese.
AUDIT_EVENTS = {"sign_in": "đăng nhập", "sign_in_failed": "đăng nhập sai", "locked_out": "tạm khóa do sai mật khẩu",
                "sign_out": "đăng xuất", "scope_refused": "bị từ chối ngoài phạm vi", "download": "tải tệp",
                "ledger_edit": "sửa sổ theo dõi chênh lệch", "account_created": "tạo tài khoản",
                "account_disabled": "khóa tài khoản", "account_enabled": "mở khóa tài khoản",
                "password_reset": "cấp lại mật khẩu", "password_changed": "đổi mật khẩu",
                "allocation_decision_saved": "lưu quyết định phân bổ vắc xin",
                "briefing_pack_generated": "tạo tài liệu giao ban (PDF)", "briefing_created": "tạo buổi giao ban",
                "briefing_pack_attached": "lấy tài liệu giao ban đã có (PDF, dòng lệnh)"}


@st.cache_resource(max_entries=8, show_spinner=False)
def _state(path: str) -> state.State:
    return state.State(Path(path))


def state_path(settings: Settings) -> Path:
    return settings.data_dir / "state" / "state.sqlite3"


def state_of(settings: Settings) -> state.State:
    """The state database of a data directory (opened once per server process: its migrations run then)."""
    return _state(str(state_path(settings)))


def _text(value: object) -> str | None:
    """A value of st.context, if it is text (a test harness may hand something else)."""
    return value if isinstance(value, str) and value else None


def _cookie() -> str | None:
    """The session id the browser sent when it connected."""
    try:
        return _text(st.context.cookies.get(COOKIE))
    except Exception:  # noqa: BLE001 — no request behind the session (a script run outside a server)
        return None


def address() -> str:
    """The viewer's address, for the audit trail (behind a proxy: the first X-Forwarded-For hop)."""
    try:
        forwarded = _text(st.context.headers.get("X-Forwarded-For"))
        ip = _text(st.context.ip_address)
    except Exception:  # noqa: BLE001 — as in _cookie
        forwarded = ip = None
    if forwarded:
        return forwarded.split(",")[0].strip()
    return ip or "không rõ"


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
    cookie = _cookie()
    token = st.session_state.get(TOKEN) or cookie
    account = store.session(token) if token else None
    if account is None:
        st.session_state.pop(TOKEN, None)
        return None
    st.session_state[TOKEN] = token
    if cookie != token:
        # the browser does not hold this session yet (just signed in): give it the id, for the next reload or tab
        st.html(_cookie_script(token), unsafe_allow_javascript=True)
    return account


def require(settings: Settings, served: bool = False) -> state.Account:
    """The signed-in account; else the sign-in page (or the password change an issued password requires), and the
    run stops there. served: a snapshot is being served, so this is no first start (nothing to read to know it)."""
    if not served and firststart.needs_demo(settings):
        # a fresh demo directory: its accounts exist before anyone must sign in
        demo_accounts.ensure(settings, state_of(settings))
    account = viewer(settings)
    if account is None:
        _sign_in_page(settings)
        st.stop()
    if account.must_change_password:
        _change_password_page(settings, account)
        st.stop()
    return account


def _sign_in_page(settings: Settings) -> None:
    st.title("Đăng nhập")
    st.caption("Bảng điều hành phòng, chống dịch COVID-19 — dành cho Ban Chỉ đạo, Ban Thường vụ, Sở Y tế và CDC, "
               "các huyện. Hỏi quản trị hệ thống nếu chưa có tài khoản.")
    if st.session_state.pop("_signed_out", False):
        st.html(_cookie_script(None), unsafe_allow_javascript=True)
        st.success("Đã đăng xuất.")
    form, _ = st.columns([1, 1])  # a form as wide as a name and a password, not as the screen
    with form, st.form("signin", enter_to_submit=True):
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


def refuse(settings: Settings, account: state.Account, what: str, detail: dict | None = None) -> None:
    """A viewer asked for something outside their role or districts (a page by its URL, a district that is not
    theirs in a crafted widget value or link): say no, show nothing of it, and audit the attempt."""
    state_of(settings).audit("scope_refused", account.login, address(), {"what": what, **(detail or {})})
    st.error(f"Tài khoản này không được xem {what}.")


def guard(settings: Settings, account: state.Account, snapshot: str, scope: q.Scope) -> None:
    """Before a page draws: a district outside the viewer's scope asked for through the URL's query parameters, a
    widget's value in the session state (crafted, or left from another viewer's scope) or a click on a map is
    dropped, and the attempt audited. The queries apply the scope in SQL whatever is asked (tests/test_app_access.py);
    this makes the attempt visible to the administrators."""
    foreign = set(q.all_districts(snapshot)) - set(scope)
    if not foreign:
        return
    asked = {f"?{k}": v for k, v in st.query_params.items() if v in foreign}
    for key, value in list(st.session_state.items()):
        if isinstance(key, str) and not key.startswith("$$") and isinstance(value, str) and value in foreign:
            asked[key] = value
            del st.session_state[key]
    for key in [k for k in asked if k.startswith("?")]:
        del st.query_params[key[1:]]
    if asked:
        refuse(settings, account, "huyện ngoài phạm vi được phân công", {"asked": asked})


def accounts_table(store: state.State) -> pd.DataFrame:
    """Every account, for the administrators' page."""
    columns = ["login", "full_name", "role", "district_code", "province_code", "disabled", "must_change_password"]
    return pd.DataFrame([a.__dict__ for a in store.accounts()], columns=columns)


def issued_table(issued: list[tuple[str, str, str]]) -> pd.DataFrame:
    """(login, name, issued password) of accounts just created, for the administrators' page to show once."""
    return pd.DataFrame(issued, columns=["login", "full_name", "password"])


def audit_since_default(days: int = 30) -> dt.date:
    """The first day the administrators' page shows of the audit trail, until they pick another."""
    return dt.date.today() - dt.timedelta(days=days)


def audit_table(store: state.State, since: dt.date, until: dt.date, login: str | None,
                event: str | None) -> pd.DataFrame:
    """The audit trail between two days (both included), newest first, its details as one line of text."""
    rows = store.audit_log(since=dt.datetime.combine(since, dt.time.min),
                           until=dt.datetime.combine(until, dt.time.max), login=login, event=event)
    log = pd.DataFrame(rows, columns=["at", "event", "login", "address", "detail"])
    log["detail"] = log["detail"].map(lambda d: "; ".join(f"{k}: {v}" for k, v in (d or {}).items()))
    return log


def scope_of(account: state.Account, snapshot: str) -> q.Scope:
    """The districts `account` may see in `snapshot`: every district for the roles in WHOLE_PROVINCE; a member, those
    whose member_login in the snapshot's assignments is theirs (the nightly file is the one source of truth); a
    district account, its own district if the snapshot has it; an account bound to a province, within it only."""
    if account.role in WHOLE_PROVINCE:
        scope = q.all_districts(snapshot)
    elif account.role == "member":
        scope = q.member_districts(snapshot, account.login)
    else:
        scope = tuple(c for c in q.all_districts(snapshot) if c == account.district_code)
    if account.province_code:
        # an account bound to one province: in the whole-country snapshot, that province's districts only (in another
        # province's snapshot, none)
        scope = q.province_scope(snapshot, scope, account.province_code)
    return scope


def account_box(settings: Settings, account: state.Account, scope_names: str) -> None:
    """Who is signed in, in which role, over which districts; and the way out."""
    side = st.sidebar
    side.markdown(f"**{F.md(account.full_name)}**  \n{state.ROLES[account.role]} · {F.md(scope_names)}")
    side.button("Đăng xuất", key="sign_out", on_click=sign_out, args=(settings,))
