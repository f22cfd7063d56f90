"""Sign-in as a viewer meets it (AppTest): the form, wrong passwords and the lock-out, an issued password changed before
anything is shown, sign-out, the demo's accounts named on a demo's sign-in page only, the administrators' page and
its refusal to everyone else, and the audit trail of each (the cookie that survives a reload: tests/test_browser.py)."""
from __future__ import annotations

import io

import openpyxl
import pytest
from conftest_app import ENTRY, TEST_PASSWORD, app_test, session_for, texts
from streamlit.testing.v1 import AppTest

from app import demo_accounts, signin
from app import widgets as W
from app.state import State
from etl.settings import load_settings

pytest_plugins = ["conftest_app"]
ADMIN_PAGE = "pages/9_Quan_tri.py"


@pytest.fixture
def app(use_data, app_copy):
    """A private copy of the small warehouse: these tests write accounts and sessions into its state database."""
    return use_data(app_copy)


def store(data_dir) -> State:
    return State(load_settings(data_dir).data_dir / "state" / "state.sqlite3")


def sign_in(at: AppTest, login: str, password: str) -> AppTest:
    at.text_input(key="signin_login").input(login)
    at.text_input(key="signin_password").input(password)
    return at.button[0].click().run()


def test_the_form_signs_in_and_a_wrong_password_says_so_without_naming_which_part_was_wrong(app):
    session_for("committee", "bcd.test")  # the account exists, with TEST_PASSWORD
    at = AppTest.from_file(ENTRY, default_timeout=30).run()
    assert [t.value for t in at.title] == ["Đăng nhập"]
    sign_in(at, "bcd.test", "sai-mat-khau-1")
    assert [e.value for e in at.error] == ["Tên đăng nhập hoặc mật khẩu không đúng."]
    sign_in(at, "khong.co.ai", TEST_PASSWORD)  # an unknown login reads the same
    assert [e.value for e in at.error] == ["Tên đăng nhập hoặc mật khẩu không đúng."]
    sign_in(at, "bcd.test", TEST_PASSWORD)
    assert [t.value for t in at.title] == ["Tổng quan"]
    assert "Kiểm thử (committee)" in texts(at) or any("Kiểm thử" in m.value for m in at.sidebar.markdown)
    events = [(r["event"], r["login"]) for r in store(app).audit_log()]
    assert ("sign_in", "bcd.test") in events and events.count(("sign_in_failed", "bcd.test")) == 1
    assert ("sign_in_failed", "khong.co.ai") in events


def test_five_wrong_passwords_lock_the_account_for_15_minutes_even_against_the_right_one(app):
    session_for("committee", "bcd.test")
    at = AppTest.from_file(ENTRY, default_timeout=30).run()
    for attempt in range(5):
        sign_in(at, "bcd.test", f"sai-mat-khau-{attempt}")
    assert "tạm khóa đến" in at.error[0].value and "5 lần" in at.error[0].value
    sign_in(at, "bcd.test", TEST_PASSWORD)
    assert "tạm khóa đến" in at.error[0].value and [t.value for t in at.title] == ["Đăng nhập"]
    assert "locked_out" in [r["event"] for r in store(app).audit_log(login="bcd.test")]


def test_an_issued_password_is_changed_before_any_page_is_shown(app):
    issued = store(app).create_account("uv.moi", "Ủy viên mới", "member")
    at = AppTest.from_file(ENTRY, default_timeout=30).run()
    sign_in(at, "uv.moi", issued)
    assert [t.value for t in at.title] == ["Đổi mật khẩu"] and not at.metric
    at.text_input(key="new_password").input("ngan")
    at.text_input(key="new_password_again").input("ngan")
    at.button[0].click().run()
    assert at.error and [t.value for t in at.title] == ["Đổi mật khẩu"]  # under 10 characters: refused
    at.text_input(key="new_password").input("mat-khau-rieng-cua-toi")
    at.text_input(key="new_password_again").input("mat-khau-rieng-cua-toi")
    at.button[0].click().run()
    # the demo warehouse of these tests has no assignments file: a member with no district is told so
    assert "chưa được phân công huyện nào" in texts(at)
    assert store(app).account("uv.moi").must_change_password is False


def test_sign_out_ends_the_session_server_side(app):
    at = app_test().run()
    token = at.session_state["_phien"]
    assert store(app).session(token) is not None
    at.sidebar.button(key="sign_out").click().run()
    assert [t.value for t in at.title] == ["Đăng nhập"] and "Đã đăng xuất." in texts(at)
    assert store(app).session(token) is None  # a copied id stops working
    assert "sign_out" in [r["event"] for r in store(app).audit_log()]


def test_only_a_demo_directory_names_its_demo_accounts(app, tmp_path, use_data):
    at = AppTest.from_file(ENTRY, default_timeout=30).run()
    assert demo_accounts.DEMO_PASSWORD not in texts(at)  # a directory that has run the ETL: no demo accounts
    assert demo_accounts.ensure(load_settings(app)) is None and store(app).account("bcd") is None
    fresh = use_data(tmp_path / "fresh")
    settings = load_settings(fresh)
    demo = demo_accounts.ensure(settings)
    assert demo.is_demo() and {a.role for a in demo.accounts()} == {"admin", "committee", "health", "district",
                                                                     "member"}
    signed = demo.sign_in("bcd", demo_accounts.DEMO_PASSWORD, "127.0.0.1")
    assert signed.ok and not signed.account.must_change_password


def test_the_administrators_page_is_theirs_alone_and_a_refusal_is_audited(app):
    at = app_test(role="committee", login="bcd.thu").run()
    at.switch_page(ADMIN_PAGE).run()
    assert not at.dataframe and "Tài khoản này không được xem trang Quản trị." in [e.value for e in at.error]
    refused = [r for r in store(app).audit_log(event="scope_refused") if r["login"] == "bcd.thu"]
    assert refused and refused[0]["detail"]["what"] == "trang Quản trị"
    at = app_test(role="admin", login="quantri.test").run()
    at.switch_page(ADMIN_PAGE).run()
    assert not at.exception
    logins = set(at.dataframe[0].value["Tên đăng nhập"])
    assert {"quantri.test", "bcd.thu"} <= logins
    # the audit table lists the refusal, with its event in Vietnamese
    audit = at.dataframe[1].value
    assert "bị từ chối ngoài phạm vi" in set(audit["Sự kiện"]) and "bcd.thu" in set(audit["Tài khoản"])


def test_a_download_is_audited_with_what_which_snapshot_and_scope(app, tmp_path):
    import pandas as pd

    path = tmp_path / "state.sqlite3"
    frame = pd.DataFrame({"unit": ["Huyện Tam Đảo"], "people": [1020]})
    cols = {"unit": W.Col("Đơn vị"), "people": W.Col("Còn thiếu", "int")}
    data = W._download(frame, cols, None, "tien_do.xlsx", {"state": str(path), "login": "uv.thu",
                                                           "address": "10.0.0.7", "snapshot": "20220315T020000",
                                                           "scope": "Huyện Tam Đảo"})
    assert [c.value for c in openpyxl.load_workbook(io.BytesIO(data)).active[2]] == ["Huyện Tam Đảo", 1020]
    row = State(path).audit_log(event="download")[0]
    assert (row["login"], row["address"]) == ("uv.thu", "10.0.0.7")
    assert row["detail"] == {"file": "tien_do.xlsx", "rows": 1, "snapshot": "20220315T020000",
                             "scope": "Huyện Tam Đảo"}


def test_every_page_run_carries_who_downloads_for_the_audit(app):
    at = app_test(role="district", login="kiemthu.tamdao", district="248").run()
    audit = at.session_state[W.DOWNLOAD_AUDIT]
    assert audit["login"] == "kiemthu.tamdao" and audit["scope"] == "Huyện Tam Đảo"
    assert audit["state"] == str(signin.state_path(load_settings(app)))


def test_the_readme_lists_every_demo_account_and_their_password():
    from conftest_app import PROJECT

    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert f"`{demo_accounts.DEMO_PASSWORD}`" in readme
    for account in demo_accounts.demo_accounts("26"):
        assert f"`{account.login}`" in readme, account.login


def test_the_administrators_page_creates_the_members_of_the_assignments_file_and_shows_their_passwords_once(
        use_data, demo_build, tmp_path):
    """On a copy of the demo: its assignments name 5 members for Vĩnh Phúc's 9 districts, none with an account yet."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(demo_build[1], data, ignore=shutil.ignore_patterns("state"))
    use_data(data)
    at = app_test(role="admin", login="quantri.test").run()
    at.switch_page(ADMIN_PAGE).run()
    assert "5 ủy viên chưa có tài khoản" in texts(at)
    at.button(key="import_members").click().run()
    issued = at.dataframe[1].value  # the accounts table, then the passwords issued
    assert list(issued["Tên đăng nhập"]) == ["uv.hoangvane", "uv.levanc", "uv.nguyenvana", "uv.phamthid",
                                             "uv.tranthib"]
    member = store(data).account("uv.levanc")
    assert member.role == "member" and member.must_change_password
    assert store(data).sign_in("uv.levanc", issued.set_index("Tên đăng nhập").loc["uv.levanc", "Mật khẩu cấp lần đầu"],
                               "127.0.0.1").ok
    at.run()  # shown once: the next run offers nothing more to create and shows no password
    assert "0 ủy viên chưa có tài khoản" in texts(at) and len(at.dataframe) == 2


def test_the_no_snapshot_page_is_behind_sign_in_too(use_data, tmp_path):
    """A province's directory whose runs all failed (no snapshot, and no demo may paper over it): a viewer who has not
    signed in sees the sign-in form, not the directory's path or its failed runs; signed in, the explanation."""
    from etl.snapshots import RunLog

    data = use_data(tmp_path / "data")
    RunLog(load_settings(data)).append({"run_id": "r1", "status": "failed", "started_at": "2022-03-14T02:00:00"})
    at = AppTest.from_file(ENTRY, default_timeout=30).run()
    assert [t.value for t in at.title] == ["Đăng nhập"] and "Chưa có bản dữ liệu" not in texts(at)
    signed = app_test().run()
    assert [t.value for t in signed.title] == ["Chưa có bản dữ liệu"]


def test_every_audited_event_has_its_vietnamese_words():
    """The administrators' page shows the audit trail in Vietnamese: an event written anywhere in the app without
    its words in signin.AUDIT_EVENTS would show as a code ("briefing_created")."""
    import re
    from pathlib import Path

    from app import signin

    root = Path(__file__).resolve().parent.parent / "app"
    written = set()
    for path in root.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        written |= set(re.findall(r"\b_?audit\((?:con, )?\"([a-z_]+)\"", text))
    assert {"sign_in", "ledger_edit", "allocation_decision_saved", "briefing_created"} <= written
    assert sorted(written - set(signin.AUDIT_EVENTS)) == []
