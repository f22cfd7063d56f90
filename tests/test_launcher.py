"""The launcher's own checks: what it tells a user whose machine lacks a system package, and the addresses it prints.
The launcher's whole first start (demo built first, progress, addresses) is tested in the browser
(tests/test_browser_first_start.py)."""
import ipaddress
import subprocess
import sys
from pathlib import Path

import pytest

from app import launcher

PROJECT = Path(__file__).resolve().parent.parent


def test_an_old_python_is_refused_with_the_packages_to_install():
    with pytest.raises(launcher.SetupError) as err:
        launcher.check_python((3, 9), has_venv=True)
    assert "Cần Python 3.11 trở lên (máy này có 3.9)" in str(err.value)
    assert "sudo apt-get install python3 python3-venv" in str(err.value)


def test_a_python_without_venv_names_debians_package():
    with pytest.raises(launcher.SetupError) as err:
        launcher.check_python((3, 11), has_venv=False)
    assert "Thiếu gói hệ thống python3-venv" in str(err.value) and "sudo apt-get install python3-venv" in str(err.value)
    launcher.check_python((3, 11), has_venv=True)  # nothing missing: no error


def test_a_missing_chromium_is_reported_not_fatal(monkeypatch):
    monkeypatch.setattr(launcher.shutil, "which", lambda name: None)
    assert "sudo apt-get install chromium" in launcher.chromium_note()
    monkeypatch.setattr(launcher.shutil, "which", lambda name: "/usr/bin/chromium" if name == "chromium" else None)
    assert launcher.chromium_note() is None


def test_addresses_are_this_machines_own_interfaces(monkeypatch):
    lan = launcher.lan_addresses()
    assert all(not ipaddress.IPv4Address(a).is_loopback for a in lan)
    assert launcher.urls(8501, "0.0.0.0") == ["http://localhost:8501"] + [f"http://{a}:8501" for a in lan]
    assert launcher.urls(8600, "127.0.0.1") == ["http://localhost:8600"]
    assert launcher.urls(8600, "10.20.30.40") == ["http://localhost:8600", "http://10.20.30.40:8600"]
    # no name resolution and no socket connected anywhere: a closed network gives the same answer
    monkeypatch.setattr(launcher.socket, "getaddrinfo", lambda *a, **k: pytest.fail("DNS lookup"))
    monkeypatch.setattr(launcher.socket, "create_connection", lambda *a, **k: pytest.fail("connection"))
    assert launcher.lan_addresses() == lan


def test_the_help_is_vietnamese():
    out = subprocess.run([sys.executable, "-m", "app.launcher", "--help"], cwd=PROJECT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0
    assert out.stdout.startswith("cách dùng: python3 -m app.launcher")
    assert "--data-dir" in out.stdout and "thư mục dữ liệu" in out.stdout and "in hướng dẫn này rồi thoát" in out.stdout
    assert "usage" not in out.stdout and "options" not in out.stdout and "show this help" not in out.stdout
