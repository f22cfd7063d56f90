"""`python -m etl` as cron and an operator use it: options checked before any file is touched, exit code 2 with the
reason in Vietnamese on stderr for wrong usage, help in Vietnamese, each subcommand with only its options."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from etl import snapshots as S
from etl.pipeline import Progress, run
from etl.settings import load_settings, save_province
from test_etl_pipeline import base_inbox

PROJECT = Path(__file__).resolve().parent.parent


def etl(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("COVID_PROVINCE", "COVID_DATA_DIR")}
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=PROJECT, env={**environ, **(env or {})},
                          capture_output=True, text=True, timeout=120)


def refused(done: subprocess.CompletedProcess, *words: str) -> None:
    """Exit code 2, the reason in Vietnamese on stderr, no Python traceback."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert "lỗi:" in done.stderr and "Traceback" not in done.stderr + done.stdout, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def files_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def data(tmp_path) -> Path:
    """An empty data directory of province 26 with its inbox."""
    settings = load_settings(tmp_path / "data", province="26")
    (settings.inbox / "platform").mkdir(parents=True)
    save_province(settings)
    return settings.data_dir


def test_run_with_an_inbox_that_does_not_exist_exits_2_with_the_reason(data, tmp_path):
    missing = tmp_path / "nhan_fle"  # mistyped in the crontab
    done = etl("run", "--data-dir", str(data), "--inbox", str(missing))
    refused(done, str(missing), "không tồn tại", "--inbox")
    assert not S.RunLog(load_settings(data)).runs()  # not a run: nothing recorded, nothing reported as success


def test_run_on_a_data_directory_that_does_not_exist_exits_2(tmp_path):
    missing = tmp_path / "covdi"
    refused(etl("run", "--data-dir", str(missing)), str(missing), "không tồn tại")
    assert not missing.exists()


def test_an_unknown_province_is_refused_before_any_file_is_touched(data, tmp_path):
    drop = tmp_path / "nhan_file"
    base_inbox(drop)
    before = files_in(drop)
    refused(etl("run", "--data-dir", str(data), "--inbox", str(drop), "--province", "99"), 'không có tỉnh mã "99"',
            "--province")
    assert files_in(drop) == before
    assert not (data / "archive").exists() and files_in(data / "inbox") == []
    refused(etl("run", "--data-dir", str(data), env={"COVID_PROVINCE": "99"}), "COVID_PROVINCE")


def test_demo_with_an_unknown_province_exits_2_without_a_traceback(tmp_path):
    data = tmp_path / "demo"
    refused(etl("demo", "--data-dir", str(data), "--province", "99"), 'không có tỉnh mã "99"')
    assert not data.exists()


def test_a_run_for_another_province_than_the_directory_holds_is_refused(data):
    refused(etl("run", "--data-dir", str(data), "--province", "22"), "Tỉnh Vĩnh Phúc (mã 26", "Tỉnh Quảng Ninh (mã 22",
            "settings.toml")
    refused(etl("run", "--data-dir", str(data), env={"COVID_PROVINCE": "22"}), "COVID_PROVINCE")
    assert etl("run", "--data-dir", str(data), "--province", "26").returncode == 0


def test_the_served_snapshot_names_the_province_when_settings_toml_does_not(tmp_path):
    settings = load_settings(tmp_path / "data", province="26")
    base_inbox(settings.inbox)
    run(settings, Progress(sink=lambda line: None))  # built for 26 by a caller that recorded no settings.toml
    assert not settings.settings_file.exists()
    refused(etl("run", "--data-dir", str(settings.data_dir), "--province", "22"), "bản dữ liệu đang dùng")


def test_demo_into_a_directory_of_another_province_is_refused(data):
    refused(etl("demo", "--data-dir", str(data), "--province", "22"), "mã 26", "mã 22")
    assert files_in(data / "inbox") == []
    assert 'province = "26"' in (data / "settings.toml").read_text(encoding="utf-8")


def test_the_first_run_records_the_province_of_its_data_directory(tmp_path):
    data = tmp_path / "data"
    (data / "inbox").mkdir(parents=True)
    done = etl("run", "--data-dir", str(data), "--province", "22")
    assert done.returncode == 0, done.stderr
    assert load_settings(data).province_code == "22"  # later runs, and the dashboard, agree on it without the flag


def test_keep_must_be_a_positive_whole_number(data):
    refused(etl("run", "--data-dir", str(data), "--keep", "0"), "--keep", "ít nhất 1")
    refused(etl("run", "--data-dir", str(data), "--keep", "bảy"), "--keep", "không phải là số nguyên")


def test_pinning_a_snapshot_that_does_not_exist_exits_2(data):
    refused(etl("pin", "2022-03-15T020000_000000.duckdb", "--label", "Giao ban", "--data-dir", str(data)),
            "không có bản dữ liệu 2022-03-15T020000_000000.duckdb")


ARGPARSE_ENGLISH = ("usage:", "positional arguments", "options:", "show this help message", "error:", "required")


@pytest.mark.parametrize("command", [[], ["run"], ["current"], ["demo"], ["pin"], ["unpin"], ["snapshots"], ["runs"],
                                     ["docs"]], ids=lambda c: " ".join(c) or "etl")
def test_help_is_in_vietnamese(command):
    done = etl(*command, "-h")
    assert done.returncode == 0
    assert "cách dùng: python -m etl" in done.stdout and "in hướng dẫn này rồi thoát" in done.stdout
    assert not [w for w in ARGPARSE_ENGLISH if w in done.stdout], done.stdout


def test_each_command_offers_only_its_options():
    def options(command: str) -> set[str]:
        return {w.strip("[],") for w in etl(command, "-h").stdout.split() if w.strip("[],").startswith("--")}

    assert options("run") == {"--help", "--data-dir", "--province", "--keep", "--inbox", "--rebuild"}
    assert options("demo") == {"--help", "--data-dir", "--province", "--keep"}
    assert options("pin") == {"--help", "--data-dir", "--label"}
    for command in ("current", "unpin", "snapshots", "runs", "docs"):
        assert options(command) == {"--help", "--data-dir"}, command
    wrong = etl("current", "--province", "26")
    assert wrong.returncode == 2 and "lỗi: tham số không dùng được ở đây: --province 26" in wrong.stderr
    missing = etl()
    assert missing.returncode == 2 and "lỗi: thiếu tham số bắt buộc: LỆNH" in missing.stderr
    assert not [w for w in ARGPARSE_ENGLISH if w in wrong.stderr + missing.stderr]
