"""`python -m app.admin` as an operator uses it: accounts created with a password printed once, listed in Vietnamese,
disabled and reset; members imported from the current snapshot's assignments; an online backup; the audit log; exit
code 2 with one Vietnamese line on stderr for wrong usage or a refused change."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from argon2 import PasswordHasher

from app import admin, state
from app.state import State, open_state
from etl.settings import load_settings

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch):
    """Cheap argon2id parameters in this process (the same algorithm): the commands hash a password each."""
    monkeypatch.setattr(state, "PasswordHasher", lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def data(tmp_path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = admin.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def issued(out: str) -> str:
    return re.search(r"phải đổi khi đăng nhập: (\S+)$", out.strip()).group(1)


def store(data: Path) -> State:
    return open_state(load_settings(data))


def test_create_prints_the_issued_password_once_and_list_shows_the_account(capsys, data):
    code, out, err = run(capsys, "create", " An.Nguyen ", "--name", "Nguyễn Văn An", "--role", "committee",
                         "--data-dir", str(data))
    assert (code, err) == (0, "")
    password = issued(out)
    assert len(password) >= 12
    result = store(data).sign_in("an.nguyen", password, "test")
    assert result.ok and result.account.must_change_password
    assert run(capsys, "create", "tamdao", "--name", "TTYT Tam Đảo", "--role", "district", "--district", "248",
               "--data-dir", str(data))[0] == 0
    code, out, _ = run(capsys, "list", "--data-dir", str(data))
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["Tài", "khoản", "Họ", "tên", "Vai", "trò", "Huyện", "Khóa", "Phải",
                                              "đổi", "mật", "khẩu"]
    assert lines[2].split() == ["an.nguyen", "Nguyễn", "Văn", "An", "Ban", "Chỉ", "đạo", "có"]
    assert lines[3].split() == ["tamdao", "TTYT", "Tam", "Đảo", "huyện", "248", "có"]
    assert password not in out


def test_disable_enable_and_reset_password(capsys, data):
    first = issued(run(capsys, "create", "an", "--name", "An", "--role", "admin", "--data-dir", str(data))[1])
    token = store(data).new_session("an", "test")
    assert run(capsys, "disable", "AN", "--data-dir", str(data))[0] == 0
    assert store(data).account("an").disabled and store(data).session(token) is None
    assert "khóa" in run(capsys, "list", "--data-dir", str(data))[1].splitlines()[2].split()
    assert run(capsys, "enable", "an", "--data-dir", str(data))[0] == 0
    assert not store(data).account("an").disabled
    code, out, _ = run(capsys, "reset-password", "an", "--data-dir", str(data))
    second = issued(out)
    assert code == 0 and second != first
    assert store(data).sign_in("an", second, "test").ok and not store(data).sign_in("an", first, "test").ok


def test_refusals_exit_2_with_one_vietnamese_line(capsys, data):
    for args, words in ((["disable", "khong.co"], "Không có tài khoản khong.co"),
                        (["reset-password", "khong.co"], "Không có tài khoản"),
                        (["create", "x", "--name", "X", "--role", "district"], "mã huyện"),
                        (["create", "x", "--name", "X", "--role", "member", "--district", "248"], "huyện")):
        code, out, err = run(capsys, *args, "--data-dir", str(data))
        assert code == 2 and out == "", args
        assert err.count("\n") == 1 and "lỗi:" in err and words in err, err
    run(capsys, "create", "an", "--name", "An", "--role", "admin", "--data-dir", str(data))
    code, _, err = run(capsys, "create", "AN", "--name", "An", "--role", "admin", "--data-dir", str(data))
    assert code == 2 and "đã có" in err
    code, _, err = run(capsys, "list", "--data-dir", str(data / "go_nham"))
    assert code == 2 and "không tồn tại" in err and not (data / "go_nham").exists()


def test_usage_errors_exit_2_in_vietnamese_without_a_traceback(data):
    environ = {k: v for k, v in os.environ.items() if k != "COVID_DATA_DIR"}
    done = subprocess.run([sys.executable, "-m", "app.admin", "create", "x", "--name", "X", "--role", "boss",
                           "--data-dir", str(data)], cwd=PROJECT, env=environ, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and "lựa chọn không có: 'boss'" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "app.admin", "disable", "khong.co"], cwd=PROJECT,
                          env={**environ, "COVID_DATA_DIR": str(data)}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr == "python -m app.admin disable: lỗi: Không có tài khoản khong.co\n"
    done = subprocess.run([sys.executable, "-m", "app.admin", "--help"], cwd=PROJECT, env=environ,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "cách dùng:" in done.stdout and "import-members" in done.stdout


def publish_assignments(data: Path, rows: list[tuple]) -> None:
    """A minimal published snapshot: marts.units (the districts) and marts.assignments, and CURRENT pointing at it
    (as etl.snapshots does)."""
    snapshots = data / "warehouse" / "snapshots"
    snapshots.mkdir(parents=True)
    with duckdb.connect(str(snapshots / "2022-03-14T020000_000000.duckdb")) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.assignments (district_code VARCHAR, district_name VARCHAR, member VARCHAR, "
                    "member_login VARCHAR, district_secretary VARCHAR)")
        con.executemany("INSERT INTO marts.assignments VALUES (?, ?, ?, ?, ?)", rows)
        con.execute("CREATE TABLE marts.units AS SELECT DISTINCT district_code AS unit_code, 'district' AS unit_level "
                    "FROM marts.assignments")
    (data / "warehouse" / "CURRENT").write_text("2022-03-14T020000_000000.duckdb\n", encoding="utf-8")


def test_import_members_creates_an_account_for_each_new_member_login(capsys, data):
    publish_assignments(data, [("243", "Vĩnh Yên", "Nguyễn Văn A", "uv.nguyenvana", "Đỗ Văn L"),
                               ("244", "Phúc Yên", "Nguyễn Văn A", "UV.NguyenVanA ", "Ngô Thị M"),
                               ("246", "Lập Thạch", "Trần Thị B", "uv.tranthib", "Lý Văn N"),
                               ("247", "Tam Dương", "Lê Văn C", "uv.levanc", "Hồ Thị P"),
                               ("248", "Tam Đảo", None, None, None)])
    db = store(data)
    db.create_account("uv.levanc", "Lê Văn C", "member", password="mat-khau-cua-C-2022")
    code, out, err = run(capsys, "import-members", "--data-dir", str(data))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["uv.nguyenvana", "uv.tranthib"]
    assert "Đã tạo 2 tài khoản" in lines[-1]
    password = lines[0].split()[-1]
    assert db.sign_in("uv.nguyenvana", password, "test").ok
    assert db.account("uv.tranthib").full_name == "Trần Thị B" and db.account("uv.tranthib").role == "member"
    assert db.sign_in("uv.levanc", "mat-khau-cua-C-2022", "test").ok  # untouched
    code, out, _ = run(capsys, "import-members", "--data-dir", str(data))  # again: nothing new
    assert code == 0 and "Đã tạo 0 tài khoản" in out and len(out.splitlines()) == 1


def test_import_members_without_a_snapshot_exits_2(capsys, data):
    code, _, err = run(capsys, "import-members", "--data-dir", str(data))
    assert code == 2 and "chưa có bản dữ liệu" in err


def test_backup_writes_a_copy_with_the_same_accounts(capsys, data, tmp_path):
    run(capsys, "create", "an", "--name", "An", "--role", "admin", "--data-dir", str(data))
    dest = tmp_path / "sao_luu" / "state-2022-03-14.sqlite3"
    code, out, _ = run(capsys, "backup", str(dest), "--data-dir", str(data))
    assert code == 0 and out.strip() == str(dest)
    assert State(dest).accounts() == store(data).accounts()
    code, _, err = run(capsys, "backup", str(dest), "--data-dir", str(data))
    assert code == 2 and "đã có" in err


def test_audit_prints_the_newest_rows_with_filters(capsys, data):
    run(capsys, "create", "an", "--name", "An", "--role", "admin", "--data-dir", str(data))
    db = store(data)
    db.sign_in("an", "sai-mat-khau", "10.0.0.9")
    db.sign_in("khong.co", "sai-mat-khau", "10.0.0.8")
    code, out, _ = run(capsys, "audit", "--data-dir", str(data))
    rows = out.splitlines()[2:]
    assert code == 0 and [r.split()[2] for r in rows] == ["sign_in_failed", "sign_in_failed", "account_created"]
    assert "10.0.0.8" in rows[0] and "10.0.0.9" in rows[1]
    code, out, _ = run(capsys, "audit", "--login", "an", "--event", "sign_in_failed", "--data-dir", str(data))
    assert len(out.splitlines()[2:]) == 1 and "10.0.0.9" in out
    code, out, _ = run(capsys, "audit", "--since", "2999-01-01", "--data-dir", str(data))
    assert out.splitlines()[2:] == []
    with pytest.raises(SystemExit) as exit_:
        admin.main(["audit", "--since", "14/03/2022", "--data-dir", str(data)])
    assert exit_.value.code == 2 and "YYYY-MM-DD" in capsys.readouterr().err
