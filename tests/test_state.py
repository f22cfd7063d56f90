"""The state database (app/state.py): migrations, WAL shared by several processes, argon2id passwords, lock-out,
sessions stored as hashes, the append-only audit log, the reconciliation ledger and its history, backups. Time is the
test's: a clock it moves by hand."""
from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from app import state as S
from app.state import State, ledger_write_allowed

T0 = datetime(2022, 3, 14, 8, 0, 0)
# cheap argon2id parameters: the same algorithm, a fraction of the time
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
GOOD = "mat-khau-rat-dai-2022"


class Clock:
    def __init__(self, now: datetime = T0):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def path(tmp_path) -> Path:
    return tmp_path / "data" / "state" / "state.sqlite3"


@pytest.fixture
def db(path, clock) -> State:
    return State(path, clock=clock, hasher=FAST)


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path)


def file_bytes(path: Path) -> bytes:
    """The database as it lies on disk: the main file and its write-ahead log."""
    return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def events(db: State) -> list[tuple[str, str | None, str | None]]:
    return [(r["event"], r["login"], r["address"]) for r in reversed(db.audit_log())]


def test_migrations_are_applied_once_and_reopening_changes_nothing(path, clock):
    State(path, clock=clock, hasher=FAST)
    State(path, clock=clock, hasher=FAST)
    with raw(path) as con:
        assert con.execute("SELECT version, name FROM schema_version").fetchall() == [
            (1, "001_initial.sql"), (2, "002_account_province.sql"), (3, "003_allocation_decisions.sql"),
            (4, "004_briefings.sql")]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        columns = {r[1] for r in con.execute("PRAGMA table_info(accounts)")}
    assert {"accounts", "sessions", "audit", "ledger", "ledger_history", "flags", "schema_version",
            "allocation_decisions", "allocation_decision_rows", "pins", "briefings", "briefing_packs"} <= tables
    assert "province_code" in columns


def test_a_database_of_version_1_is_brought_to_version_2_and_keeps_its_accounts(path, clock):
    """A state database made before accounts could be bound to a province: the migration adds the column, the
    accounts stay and are bound to no province."""
    import sqlite3

    from app import state as S

    first = S.MIGRATIONS_DIR / "001_initial.sql"
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as con:
        con.executescript(first.read_text(encoding="utf-8"))
        con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name VARCHAR(100), "
                    "applied_at VARCHAR(32))")
        con.execute("INSERT INTO schema_version VALUES (1, '001_initial.sql', '2026-01-01 00:00:00')")
        con.execute("INSERT INTO accounts (login, full_name, role, password_hash, created_at) "
                    "VALUES ('an', 'Nguyễn Văn An', 'committee', 'x', '2026-01-01 00:00:00')")
    db = State(path, clock=clock, hasher=FAST)
    with raw(path) as con:
        assert [v for (v,) in con.execute("SELECT version FROM schema_version ORDER BY version")] == [1, 2, 3, 4]
    assert db.account("an").province_code is None and db.account("an").full_name == "Nguyễn Văn An"


def test_the_database_is_in_wal_mode_under_the_data_directory(tmp_path):
    from etl.settings import load_settings

    settings = load_settings(tmp_path / "data")
    db = S.open_state(settings)
    assert db.path == tmp_path / "data" / "state" / "state.sqlite3"
    with raw(db.path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_two_state_objects_on_one_file_see_each_others_writes(path, clock):
    first, second = State(path, clock=clock, hasher=FAST), State(path, clock=clock, hasher=FAST)
    password = first.create_account("an", "Nguyễn Văn An", "admin")
    assert second.account("an") is not None
    assert second.sign_in("an", password, "10.0.0.2").ok
    token = second.new_session("an", "10.0.0.2")
    assert first.session(token).login == "an"
    assert [r["event"] for r in first.audit_log()][:2] == ["sign_in", "account_created"]


def test_concurrent_writers_wait_for_each_other_instead_of_failing(path, clock):
    stores = [State(path, clock=clock, hasher=FAST) for _ in range(2)]
    errors: list[Exception] = []

    def write(store: State, n: int) -> None:
        try:
            for i in range(25):
                store.audit("test", f"w{n}", None, {"i": i})
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(s, n)) for n, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(stores[0].audit_log(event="test")) == 50


def test_a_password_is_stored_as_an_argon2id_hash_and_never_in_clear(db, path):
    issued = db.create_account("an", "Nguyễn Văn An", "admin")
    db.set_password("an", GOOD)
    db.sign_in("an", GOOD, "10.0.0.1")
    db.sign_in("an", issued, "10.0.0.1")  # the old one, refused: not written anywhere either
    with raw(path) as con:
        stored = con.execute("SELECT password_hash FROM accounts WHERE login = 'an'").fetchone()[0]
    assert stored.startswith("$argon2id$")
    on_disk = file_bytes(path)
    assert GOOD.encode() not in on_disk and issued.encode() not in on_disk
    assert all(GOOD not in str(r) and issued not in str(r) for r in db.audit_log())


def test_an_issued_password_must_be_changed_before_anything_else(db):
    issued = db.create_account("  An.Nguyen ", "Nguyễn Văn An", "committee")
    assert len(issued) >= 12
    account = db.account("an.nguyen")
    assert account.login == "an.nguyen" and account.must_change_password
    result = db.sign_in("AN.NGUYEN", issued, "10.0.0.1")
    assert result.ok and result.account.must_change_password
    with pytest.raises(ValueError, match="ít nhất 10 ký tự"):
        db.set_password("an.nguyen", "ngan-qua")
    db.set_password("an.nguyen", GOOD)
    assert db.account("an.nguyen").must_change_password is False
    assert db.sign_in("an.nguyen", GOOD, "10.0.0.1").ok
    assert not db.sign_in("an.nguyen", issued, "10.0.0.1").ok


def test_roles_and_districts_are_checked(db):
    with pytest.raises(ValueError, match="Vai trò"):
        db.create_account("x", "X", "boss")
    with pytest.raises(ValueError, match="mã huyện"):
        db.create_account("x", "X", "district")
    with pytest.raises(ValueError, match="huyện"):
        db.create_account("x", "X", "member", district_code="243")
    db.create_account("tamdao", "TTYT Tam Đảo", "district", district_code="248")
    assert db.account("tamdao").district_code == "248"
    with pytest.raises(ValueError, match="đã có"):
        db.create_account("TAMDAO", "Trùng", "admin")
    assert [a.login for a in db.accounts()] == ["tamdao"]


def test_five_failures_lock_the_account_for_fifteen_minutes(db, clock):
    db.create_account("an", "An", "admin", password=GOOD)
    reasons = [db.sign_in("an", "sai-mat-khau", "10.0.0.9").reason for _ in range(5)]
    assert reasons == ["wrong"] * 4 + ["locked"]
    sixth = db.sign_in("an", GOOD, "10.0.0.9")  # the right password, refused while locked
    assert (sixth.ok, sixth.reason, sixth.locked_until) == (False, "locked", T0 + timedelta(minutes=15))
    clock.advance(minutes=14, seconds=59)
    assert db.sign_in("an", GOOD, "10.0.0.9").reason == "locked"
    clock.advance(seconds=1)
    assert db.sign_in("an", GOOD, "10.0.0.9").ok
    assert [e for e, _, _ in events(db)] == ["account_created"] + ["sign_in_failed"] * 4 + ["locked_out"] \
        + ["sign_in_failed"] * 2 + ["sign_in"]
    assert {(login, address) for _, login, address in events(db)[1:]} == {("an", "10.0.0.9")}


def test_a_success_resets_the_failure_count(db):
    db.create_account("an", "An", "admin", password=GOOD)
    for _ in range(4):
        db.sign_in("an", "sai-mat-khau", "x")
    assert db.sign_in("an", GOOD, "x").ok
    assert [db.sign_in("an", "sai-mat-khau", "x").reason for _ in range(4)] == ["wrong"] * 4
    assert db.sign_in("an", GOOD, "x").ok


def test_an_unknown_login_is_reported_as_a_wrong_password(db):
    result = db.sign_in("khong.co", GOOD, "10.0.0.7")
    assert (result.ok, result.account, result.reason) == (False, None, "wrong")
    assert events(db) == [("sign_in_failed", "khong.co", "10.0.0.7")]


def test_a_disabled_account_cannot_sign_in_and_a_wrong_password_does_not_say_so(db):
    db.create_account("an", "An", "admin", password=GOOD)
    db.set_disabled("an", True)
    assert db.sign_in("an", GOOD, "x").reason == "disabled"
    assert db.sign_in("an", "sai-mat-khau", "x").reason == "wrong"
    db.set_disabled("an", False)
    assert db.sign_in("an", GOOD, "x").ok


def test_reset_password_issues_a_new_one_to_change_and_unlocks(db):
    db.create_account("an", "An", "admin", password=GOOD)
    db.set_password("an", GOOD)
    for _ in range(5):
        db.sign_in("an", "sai-mat-khau", "x")
    issued = db.reset_password("an")
    assert len(issued) >= 12 and db.account("an").must_change_password
    assert db.sign_in("an", issued, "x").ok
    assert not db.sign_in("an", GOOD, "x").ok
    with pytest.raises(S.UnknownLogin):
        db.reset_password("khong.co")


def test_a_session_is_stored_as_a_hash_and_ends_after_eight_idle_hours(db, clock, path):
    db.create_account("an", "An", "admin", password=GOOD)
    token = db.new_session("an", "10.0.0.1")
    assert len(token) >= 43
    assert db.session(token).login == "an"
    with raw(path) as con:
        stored = con.execute("SELECT token_hash FROM sessions").fetchall()
    assert stored == [(hashlib.sha256(token.encode()).hexdigest(),)]
    assert token.encode() not in file_bytes(path)
    clock.advance(hours=7)
    assert db.session(token).login == "an"  # a use at 7 h keeps it alive ...
    clock.advance(hours=7)
    assert db.session(token).login == "an"  # ... for 8 h from that use
    clock.advance(hours=8, seconds=1)
    assert db.session(token) is None
    with raw(path) as con:
        assert con.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
    assert db.session(None) is None and db.session("") is None and db.session("made-up") is None


def test_end_session_kills_it_and_is_audited(db):
    db.create_account("an", "An", "admin", password=GOOD)
    token = db.new_session("an", "10.0.0.1")
    db.end_session(token, "10.0.0.1")
    assert db.session(token) is None
    assert events(db)[-1] == ("sign_out", "an", "10.0.0.1")
    db.end_session(token, "10.0.0.1")  # twice: nothing more
    assert len(db.audit_log(event="sign_out")) == 1


def test_disabling_an_account_ends_its_sessions(db):
    db.create_account("an", "An", "admin", password=GOOD)
    db.create_account("binh", "Bình", "health", password=GOOD)
    tokens = [db.new_session("an", "a"), db.new_session("an", "b")]
    other = db.new_session("binh", "c")
    db.set_disabled("an", True)
    assert [db.session(t) for t in tokens] == [None, None]
    db.set_disabled("an", False)
    assert [db.session(t) for t in tokens] == [None, None]  # enabling again does not bring them back
    assert db.session(other).login == "binh"


def test_the_audit_log_is_never_updated_nor_deleted_from():
    source = Path(S.__file__).read_text(encoding="utf-8")
    assert "INSERT INTO audit " in source  # the pattern below would see a statement on it
    assert not re.search(r"(UPDATE|DELETE\s+FROM)\s+audit\b", source, re.I)


def test_audit_log_filters_newest_first(db, clock):
    db.audit("a", "an", "x", {"n": 1})
    clock.advance(days=1)
    db.audit("b", "binh", "y")
    clock.advance(days=1)
    db.audit("a", "binh", "z", {"n": 3})
    assert [r["event"] for r in db.audit_log()] == ["a", "b", "a"]
    assert db.audit_log()[0] == {"at": T0 + timedelta(days=2), "event": "a", "login": "binh", "address": "z",
                                 "detail": {"n": 3}}
    assert [r["address"] for r in db.audit_log(since=T0 + timedelta(days=1))] == ["z", "y"]
    assert [r["address"] for r in db.audit_log(until=T0 + timedelta(days=1))] == ["x"]
    assert [r["address"] for r in db.audit_log(login="binh", event="a")] == ["z"]
    assert [r["address"] for r in db.audit_log(limit=1)] == ["z"]


def test_the_ledger_keeps_one_entry_per_discrepancy_and_every_change(db, clock):
    db.ledger_write("vaccination", "24811", "18+", 2, status="new", reason=None, note="Báo cáo 14/3 thấp hơn",
                    owner="TTYT Tam Đảo", login="syt", address="10.0.0.5")
    clock.advance(days=3)  # a later report of the same discrepancy: the same entry
    db.ledger_write("vaccination", "24811", "18+", 2, status="explained", reason="Người tiêm nơi khác",
                    note="Tiêm tại Vĩnh Yên", owner="TTYT Tam Đảo", login="huyen", address="10.0.0.6")
    db.ledger_write("vaccination", "24811", "18+", 3, status="new", reason=None, note=None, owner=None,
                    login="syt", address="10.0.0.5")
    db.ledger_write("vaccination", "24301", "12-17", 1, status="in_progress", reason="Khác", note=None, owner=None,
                    login="syt", address="10.0.0.5")
    entries = db.ledger_entries(("24811",))
    assert [(e["dose"], e["status"], e["reason"], e["updated_by"]) for e in entries] == [
        (2, "explained", "Người tiêm nơi khác", "huyen"), (3, "new", None, "syt")]
    assert entries[0]["updated_at"] == T0 + timedelta(days=3)
    assert len(db.ledger_entries()) == 3 and db.ledger_entries(()) == []
    history = db.ledger_history("vaccination", "24811", "18+", 2)
    assert [(h["at"], h["login"], h["address"], h["old_status"], h["new_status"], h["new_note"]) for h in history] == [
        (T0, "syt", "10.0.0.5", None, "new", "Báo cáo 14/3 thấp hơn"),
        (T0 + timedelta(days=3), "huyen", "10.0.0.6", "new", "explained", "Tiêm tại Vĩnh Yên")]
    edits = db.audit_log(event="ledger_edit")
    assert len(edits) == 4 and edits[-1]["detail"]["unit_code"] == "24811" and edits[-1]["address"] == "10.0.0.5"


def test_the_ledger_refuses_a_status_or_reason_not_in_its_lists(db):
    with pytest.raises(ValueError, match="Trạng thái"):
        db.ledger_write("vaccination", "248", "18+", 1, status="done", reason=None, note=None, owner=None,
                        login="syt", address=None)
    with pytest.raises(ValueError, match="Lý do"):
        db.ledger_write("vaccination", "248", "18+", 1, status="new", reason="vì thế", note=None, owner=None,
                        login="syt", address=None)
    assert db.ledger_entries() == [] and db.audit_log() == []
    assert set(S.LEDGER_STATUS) == {"new", "in_progress", "explained", "corrected"}


def test_a_discrepancy_without_cohort_or_dose_is_one_entry_too(db):
    for status in ("new", "corrected"):
        db.ledger_write("cases", "248", None, None, status=status, reason=None, note=None, owner=None,
                        login="syt", address=None)
    assert [(e["cohort"], e["dose"], e["status"]) for e in db.ledger_entries()] == [(None, None, "corrected")]
    assert len(db.ledger_history("cases", "248", None, None)) == 2


def account(role: str, district: str | None = None, disabled: bool = False) -> S.Account:
    return S.Account("x", "X", role, district, disabled, False)


def test_who_may_write_the_ledger():
    assert ledger_write_allowed(account("admin"), "248") and ledger_write_allowed(account("health"), None)
    assert ledger_write_allowed(account("district", "248"), "248")
    assert not ledger_write_allowed(account("district", "248"), "243")
    assert not ledger_write_allowed(account("district", "248"), None)
    assert not ledger_write_allowed(account("committee"), "248") and not ledger_write_allowed(account("member"), "248")
    assert not ledger_write_allowed(account("admin", disabled=True), "248")


def test_a_backup_is_a_readable_copy_with_the_same_accounts(db, tmp_path, clock):
    db.create_account("an", "An", "admin", password=GOOD)
    db.create_account("tamdao", "TTYT Tam Đảo", "district", "248")
    copy = db.backup(tmp_path / "sao_luu" / "state.sqlite3")
    with raw(copy) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    restored = State(copy, clock=clock, hasher=FAST)
    assert restored.accounts() == db.accounts()
    assert restored.sign_in("an", GOOD, "x").ok
    with pytest.raises(FileExistsError):
        db.backup(copy)
    assert db.backup(tmp_path / "sao_luu").name == "state-20220314-080000.sqlite3"


def test_a_hash_made_with_older_parameters_is_replaced_at_sign_in(path, clock):
    State(path, clock=clock, hasher=FAST).create_account("an", "An", "admin", password=GOOD)
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    db = State(path, clock=clock, hasher=stronger)
    assert db.sign_in("an", GOOD, "x").ok
    with raw(path) as con:
        stored = con.execute("SELECT password_hash FROM accounts").fetchone()[0]
    assert stored.startswith("$argon2id$") and not stronger.check_needs_rehash(stored)
    assert db.sign_in("an", GOOD, "x").ok


def test_the_demo_flag_is_kept(db, path, clock):
    assert not db.is_demo()
    db.mark_demo()
    db.mark_demo()
    assert State(path, clock=clock, hasher=FAST).is_demo()
