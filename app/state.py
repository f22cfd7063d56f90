"""The dashboard's only door to the state database: what people do (accounts, sessions, audit, the reconciliation
ledger), kept through every rebuild and retention of the warehouse. SQLite in WAL mode at
<data_dir>/state/state.sqlite3, shared by the server processes of one machine: a busy timeout makes a writer wait,
each call opens its own short-lived connection (they are not shared across threads), a write takes the lock as its
transaction begins. Versioned schema: app/state_migrations/NNN_*.sql, applied in order, each in a transaction, recorded
in schema_version. Portable SQL; the SQLite specifics are in `_connect`, `_transaction` and `backup`. PostgreSQL would
take a `psycopg.connect` there (plain BEGIN, no PRAGMAs), `%s` placeholders instead of `?`, BIGSERIAL PRIMARY KEY for
the "INTEGER PRIMARY KEY" ids of the migrations, and pg_dump for backups: not built now. Times come from `clock`
(naive local time, ISO text in the tables; tests drive it). Passwords are argon2id hashes, never logged, audited nor
put in an exception; a session is stored as the SHA-256 of the token the browser holds.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import re
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.state_briefings import (  # noqa: F401  (the briefings' names, from the state's one door)
    BRIEFING_WRITERS,
    PACK_STATUS,
    Briefing,
    Briefings,
    Pack,
    briefing_write_allowed,
)
from app.state_decisions import DECISION_WRITERS, Decision, Decisions, decision_write_allowed  # noqa: F401
from app.state_ledger import (  # noqa: F401  (the ledger's names, from the state's one door)
    LEDGER_REASONS,
    LEDGER_STATUS,
    WRITERS,
    Ledger,
    ledger_write_allowed,
)

ROLES = {"admin": "quản trị", "committee": "Ban Chỉ đạo", "member": "ủy viên", "health": "Sở Y tế / CDC",
         "district": "huyện"}
MAX_FAILURES = 5
LOCK_MINUTES = 15
IDLE_HOURS = 8
MIN_PASSWORD = 10

MIGRATIONS_DIR = Path(__file__).resolve().parent / "state_migrations"
BUSY_TIMEOUT_S = 5.0
TOUCH_EVERY = timedelta(minutes=1)  # a session's last use is written at most this often (one write per page run)
_ISSUED_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # nothing to misread on paper
_ISSUED_LENGTH = 14


class UnknownLogin(LookupError):
    """No account of that login (a message in Vietnamese, for the command line and the admin page)."""


@dataclass(frozen=True)
class Account:
    login: str
    full_name: str
    role: str
    district_code: str | None
    disabled: bool
    must_change_password: bool
    province_code: str | None = None  # bound to one province (the whole-country snapshot shows it that one only)


@dataclass(frozen=True)
class SignIn:
    ok: bool
    account: Account | None
    reason: str  # 'ok' | 'wrong' | 'locked' | 'disabled'; an unknown login is 'wrong'
    locked_until: datetime | None = None


def _stamp(moment: datetime) -> str:
    return moment.isoformat(sep=" ", timespec="microseconds")  # sorts as time does


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _normal_login(login: str) -> str:
    return (login or "").strip().lower()


def _account(row: sqlite3.Row) -> Account:
    return Account(login=row["login"], full_name=row["full_name"], role=row["role"],
                   district_code=row["district_code"], disabled=bool(row["disabled"]),
                   must_change_password=bool(row["must_change_password"]), province_code=row["province_code"])


def _require(con: sqlite3.Connection, login: str) -> None:
    if not con.execute("SELECT 1 FROM accounts WHERE login = ?", (login,)).fetchone():
        raise UnknownLogin(f"Không có tài khoản {login}")


def _check_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ValueError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự")


def issue_password() -> str:
    return "".join(secrets.choice(_ISSUED_ALPHABET) for _ in range(_ISSUED_LENGTH))


class State(Ledger, Decisions, Briefings):
    def __init__(self, path: Path, clock: Callable[[], datetime] = datetime.now,
                 hasher: PasswordHasher | None = None):
        self.path = Path(path)
        self._clock = clock
        self._hasher = hasher or PasswordHasher()  # argon2id with the library's recommended parameters
        self._dummy_hash: str | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._migrate()

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        con.execute("PRAGMA journal_mode = WAL")  # recorded in the file; a no-op once it is
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("PRAGMA synchronous = NORMAL")  # durable across a crash of the process in WAL mode
        return con

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with contextlib.closing(self._connect()) as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def backup(self, dest: Path) -> Path:
        """A consistent copy while servers write (sqlite3's online backup), as one self-contained file. A folder
        gets state-<time>.sqlite3 inside it; an existing file is not overwritten."""
        dest = Path(dest)
        if dest.is_dir():
            dest = dest / f"state-{self._clock().strftime('%Y%m%d-%H%M%S')}.sqlite3"
        if dest.exists():
            raise FileExistsError(f"{dest} đã có: chọn tên khác cho bản sao lưu")
        dest.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(self._connect()) as con, contextlib.closing(sqlite3.connect(dest)) as target:
            con.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
        return dest

    def _migrate(self) -> None:
        with self._transaction() as con:
            con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, "
                        "name VARCHAR(200) NOT NULL, applied_at VARCHAR(32) NOT NULL)")
        for path in sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9]_*.sql")):
            version = int(path.name[:3])
            with self._transaction() as con:  # another process may have applied it meanwhile: asked under lock
                if con.execute("SELECT 1 FROM schema_version WHERE version = ?", (version,)).fetchone():
                    continue
                lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("--")]
                for statement in filter(None, map(str.strip, "\n".join(lines).split(";"))):  # no ';' in a literal
                    con.execute(statement)
                con.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                            (version, path.name, _stamp(self._clock())))

    def create_account(self, login: str, full_name: str, role: str, district_code: str | None = None,
                       password: str | None = None, *, chosen: bool = False, password_hash: str | None = None,
                       province_code: str | None = None, by: str | None = None, address: str | None = None) -> str:
        """A new account that must change its password at first sign-in; returns that password (issued when None)."""
        login = _normal_login(login)
        if not re.fullmatch(r"[a-z0-9._@-]{1,64}", login):
            raise ValueError("Tên đăng nhập chỉ gồm chữ không dấu, số và . _ @ - (tối đa 64 ký tự)")
        if role not in ROLES:
            raise ValueError(f"Vai trò không có: {role} (chọn một trong {', '.join(ROLES)})")
        district_code = (district_code or "").strip() or None
        if (role == "district") != bool(district_code):
            raise ValueError("Tài khoản huyện cần mã huyện; chỉ tài khoản huyện mới gắn với một huyện")
        if not (full_name or "").strip():
            raise ValueError("Cần họ tên")
        province_code = (province_code or "").strip() or None
        if province_code is not None and not re.fullmatch(r"\d{2}", province_code):
            raise ValueError("Mã tỉnh là 2 chữ số (mã GSO), ví dụ 26")
        password = password if password is not None else issue_password()
        _check_strength(password)
        # chosen: a password the person chose (not issued), nothing to change at first sign-in; password_hash: its
        # hash, already made (the demo's accounts share one documented password, hashed once)
        hashed = password_hash or self._hasher.hash(password)
        with self._transaction() as con:
            if con.execute("SELECT 1 FROM accounts WHERE login = ?", (login,)).fetchone():
                raise ValueError(f"Tài khoản {login} đã có")
            con.execute("INSERT INTO accounts (login, full_name, role, district_code, province_code, password_hash, "
                        "must_change_password, disabled, failed_count, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?)",
                        (login, full_name.strip(), role, district_code, province_code, hashed, int(not chosen),
                         _stamp(self._clock())))
            self._audit(con, "account_created", by, address, dict(account=login, role=role, district=district_code))
        return password

    def hash_password(self, password: str) -> str:
        """An argon2id hash of `password` (for create_account's password_hash)."""
        _check_strength(password)
        return self._hasher.hash(password)

    def set_password(self, login: str, new_password: str, *, address: str | None = None) -> None:
        """The user's own change: the issued password no longer needs changing."""
        _check_strength(new_password)
        self._change(login, "password_hash = ?, must_change_password = 0, password_changed_at = ?",
                     (self._hasher.hash(new_password), _stamp(self._clock())), "password_changed", login, address)

    def reset_password(self, login: str, *, by: str | None = None, address: str | None = None) -> str:
        """A new issued password, to be changed at the next sign-in; unlocks the account and ends its sessions."""
        password = issue_password()
        self._change(login, "password_hash = ?, must_change_password = 1, failed_count = 0, locked_until = NULL",
                     (self._hasher.hash(password),), "password_reset", by, address, end_sessions=True)
        return password

    def set_disabled(self, login: str, disabled: bool, *, by: str | None = None, address: str | None = None) -> None:
        """Disabling also ends every session of the account."""
        self._change(login, "disabled = ?", (int(bool(disabled)),), "account_disabled" if disabled
                     else "account_enabled", by, address, end_sessions=bool(disabled))

    def _change(self, login: str, assignments: str, params: tuple, event: str, by: str | None,
                address: str | None, end_sessions: bool = False) -> None:
        login = _normal_login(login)
        with self._transaction() as con:
            _require(con, login)
            con.execute(f"UPDATE accounts SET {assignments} WHERE login = ?", (*params, login))
            if end_sessions:
                con.execute("DELETE FROM sessions WHERE login = ?", (login,))
            self._audit(con, event, by, address, {"account": login})

    def account(self, login: str) -> Account | None:
        with contextlib.closing(self._connect()) as con:
            row = con.execute("SELECT * FROM accounts WHERE login = ?",
                              (_normal_login(login),)).fetchone()
        return _account(row) if row else None

    def accounts(self) -> list[Account]:
        with contextlib.closing(self._connect()) as con:
            return [_account(r) for r in con.execute("SELECT * FROM accounts ORDER BY login")]

    def sign_in(self, login: str, password: str, address: str) -> SignIn:
        login = _normal_login(login)[:64]
        with contextlib.closing(self._connect()) as con:
            row = con.execute("SELECT * FROM accounts WHERE login = ?", (login,)).fetchone()
        if row is None:
            self._dummy_hash = self._dummy_hash or self._hasher.hash(secrets.token_urlsafe(16))
            self._verify(self._dummy_hash, password)  # as long as for a real account: timing tells nothing
            self.audit("sign_in_failed", login, address, {"reason": "wrong"})
            return SignIn(False, None, "wrong")
        now = self._clock()
        locked_until = _moment(row["locked_until"])
        if locked_until and now < locked_until:
            self.audit("sign_in_failed", login, address, {"reason": "locked"})
            return SignIn(False, None, "locked", locked_until)
        if not self._verify(row["password_hash"], password):
            return self._failed(login, address, now)
        if row["disabled"]:
            self.audit("sign_in_failed", login, address, {"reason": "disabled"})
            return SignIn(False, None, "disabled")
        rehashed = self._hasher.hash(password) if self._hasher.check_needs_rehash(row["password_hash"]) else None
        with self._transaction() as con:
            con.execute("UPDATE accounts SET failed_count = 0, locked_until = NULL WHERE login = ?", (login,))
            if rehashed:
                con.execute("UPDATE accounts SET password_hash = ? WHERE login = ?", (rehashed, login))
            self._audit(con, "sign_in", login, address, None)
        return SignIn(True, _account(row), "ok")

    def _failed(self, login: str, address: str, now: datetime) -> SignIn:
        with self._transaction() as con:  # counted in the database: failures from several processes add up
            con.execute("UPDATE accounts SET failed_count = failed_count + 1 WHERE login = ?", (login,))
            count = con.execute("SELECT failed_count FROM accounts WHERE login = ?", (login,)).fetchone()[0]
            if count < MAX_FAILURES:
                self._audit(con, "sign_in_failed", login, address, {"reason": "wrong", "failures": count})
                return SignIn(False, None, "wrong")
            until = now + timedelta(minutes=LOCK_MINUTES)
            con.execute("UPDATE accounts SET failed_count = 0, locked_until = ? WHERE login = ?",
                        (_stamp(until), login))
            self._audit(con, "locked_out", login, address, {"failures": count, "locked_until": _stamp(until)})
        return SignIn(False, None, "locked", until)

    def _verify(self, hashed: str, password: str) -> bool:
        try:
            return self._hasher.verify(hashed, password or "")
        except (VerificationError, InvalidHashError):
            return False

    def new_session(self, login: str, address: str) -> str:
        login = _normal_login(login)
        token = secrets.token_urlsafe(32)
        now = _stamp(self._clock())
        with self._transaction() as con:
            _require(con, login)
            con.execute("INSERT INTO sessions (token_hash, login, address, created_at, last_seen) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (hashlib.sha256(token.encode()).hexdigest(), login, address, now, now))
        return token

    def session(self, token: str | None) -> Account | None:
        """The signed-in account of a token; None when unknown, idle IDLE_HOURS (the row goes) or disabled."""
        if not token:
            return None
        key = hashlib.sha256(token.encode()).hexdigest()
        with contextlib.closing(self._connect()) as con:
            row = con.execute("SELECT s.last_seen, a.* FROM sessions s JOIN accounts a ON a.login = s.login "
                              "WHERE s.token_hash = ?", (key,)).fetchone()
        if row is None:
            return None
        now = self._clock()
        last_seen = _moment(row["last_seen"])
        ended = row["disabled"] or now - last_seen > timedelta(hours=IDLE_HOURS)
        if ended or now - last_seen >= TOUCH_EVERY:
            with self._transaction() as con:
                if ended:
                    con.execute("DELETE FROM sessions WHERE token_hash = ?", (key,))
                else:
                    con.execute("UPDATE sessions SET last_seen = ? WHERE token_hash = ?", (_stamp(now), key))
        return None if ended else _account(row)

    def end_session(self, token: str | None, address: str) -> None:
        if not token:
            return
        key = hashlib.sha256(token.encode()).hexdigest()
        with self._transaction() as con:
            row = con.execute("SELECT login FROM sessions WHERE token_hash = ?", (key,)).fetchone()
            if row is None:
                return
            con.execute("DELETE FROM sessions WHERE token_hash = ?", (key,))
            self._audit(con, "sign_out", row["login"], address, None)

    def end_system_sessions(self, address: str) -> int:
        """Delete every session a system process opened under `address` (the warm-up of the caches, app/warm.py:
        no one signed in, so no one signs out and nothing is audited); how many."""
        with self._transaction() as con:
            return con.execute("DELETE FROM sessions WHERE address = ?", (address,)).rowcount

    def audit(self, event: str, login: str | None, address: str | None, detail: dict | None = None) -> None:
        with self._transaction() as con:
            self._audit(con, event, login, address, detail)

    def _audit(self, con: sqlite3.Connection, event: str, login: str | None, address: str | None, detail) -> None:
        con.execute("INSERT INTO audit (at, event, login, address, detail) VALUES (?, ?, ?, ?, ?)",
                    (_stamp(self._clock()), event, login, address,
                     json.dumps(detail, ensure_ascii=False, default=str) if detail is not None else None))

    def audit_log(self, since: datetime | None = None, until: datetime | None = None, login: str | None = None,
                  event: str | None = None, limit: int = 5000) -> list[dict]:
        """Newest first: at (datetime), event, login, address, detail (dict or None)."""
        where = [(clause, value) for clause, value in (
            ("at >= ?", since and _stamp(since)), ("at < ?", until and _stamp(until)),
            ("login = ?", login and _normal_login(login)), ("event = ?", event)) if value]
        sql = ("SELECT at, event, login, address, detail FROM audit WHERE "
               + " AND ".join(["1 = 1", *(c for c, _ in where)]) + " ORDER BY at DESC, id DESC LIMIT ?")
        with contextlib.closing(self._connect()) as con:
            rows = con.execute(sql, (*(v for _, v in where), int(limit))).fetchall()
        return [{"at": _moment(r["at"]), "event": r["event"], "login": r["login"], "address": r["address"],
                 "detail": json.loads(r["detail"]) if r["detail"] else None} for r in rows]

    def _now_text(self) -> str:
        return _stamp(self._clock())

    @staticmethod
    def _moment(text: str | None) -> datetime | None:
        return _moment(text)

    def is_demo(self) -> bool:
        with contextlib.closing(self._connect()) as con:
            return con.execute("SELECT 1 FROM flags WHERE name = 'demo'").fetchone() is not None

    def mark_demo(self) -> None:
        with self._transaction() as con:
            con.execute("INSERT INTO flags (name, value, set_at) VALUES ('demo', '1', ?) ON CONFLICT (name) DO NOTHING",
                        (_stamp(self._clock()),))


def open_state(settings) -> State:
    return State(settings.data_dir / "state" / "state.sqlite3")
