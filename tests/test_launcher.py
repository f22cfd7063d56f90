"""The launcher's own checks: what it tells a user whose machine lacks a system package, the addresses it prints, and
how it starts several server processes behind Caddy (children faked here; tests/test_deploy.py runs them for real).
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
    assert "--processes" in out.stdout and "--https" in out.stdout and "--prepare-only" in out.stdout
    assert "usage" not in out.stdout and "options" not in out.stdout and "show this help" not in out.stdout


class FakeServer:
    """A child process that keeps running until stopped."""

    def __init__(self, *args):
        self.args, self.returncode, self.stopped = args, None, False

    def poll(self):
        return self.returncode

    def terminate(self):
        self.stopped, self.returncode = True, 0

    def wait(self, timeout=None):
        return self.returncode

    kill = terminate


def serve_until_stopped(monkeypatch, tmp_path, argv: list[str], caddy: str | None):
    """launcher.serve with its children faked: (the servers it started, the proxies, what it printed). The first pause
    of its watch loop is a Ctrl+C."""
    servers, proxies = [], []
    monkeypatch.setattr(launcher, "caddy_path", lambda: caddy)
    monkeypatch.setattr(launcher, "start_server", lambda data_dir, port, address: servers.append(
        FakeServer(data_dir, port, address)) or servers[-1])
    monkeypatch.setattr(launcher, "start_caddy", lambda config, log: proxies.append(FakeServer(config)) or proxies[-1])
    monkeypatch.setattr(launcher, "wait_healthy", lambda *a, **k: True)
    monkeypatch.setattr(launcher, "prepare", lambda settings, background=False: (0, None))

    def ctrl_c(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(launcher.time, "sleep", ctrl_c)
    args = launcher.parse(["--data-dir", str(tmp_path / "data"), "--port", "8600", *argv])
    assert launcher.serve(args) == 0
    assert all(p.stopped for p in servers + proxies)  # Ctrl+C (or SIGTERM) stops every child
    return servers, proxies


def test_several_processes_start_behind_caddy_on_consecutive_internal_ports(monkeypatch, tmp_path, capsys):
    servers, proxies = serve_until_stopped(monkeypatch, tmp_path, ["--processes", "3", "--backend-port", "8801"],
                                           "/usr/bin/caddy")
    assert [(s.args[1], s.args[2]) for s in servers] == [(8801, "127.0.0.1"), (8802, "127.0.0.1"), (8803, "127.0.0.1")]
    (proxy,) = proxies
    config = proxy.args[0]
    assert config == tmp_path / "data" / "run" / "Caddyfile"
    text = config.read_text(encoding="utf-8")
    assert "\n:8600 {" in text and "reverse_proxy 127.0.0.1:8801 127.0.0.1:8802 127.0.0.1:8803 {" in text
    assert "lb_policy cookie" in text and "health_uri /_stcore/health" in text and "auto_https off" in text
    out = capsys.readouterr().out
    assert "(3 tiến trình máy chủ trên 127.0.0.1:8801–8803, sau bộ chia tải Caddy" in out
    assert "    http://localhost:8600\n" in out


def test_without_caddy_several_processes_fall_back_to_one_and_say_how_to_install_it(monkeypatch, tmp_path, capsys):
    servers, proxies = serve_until_stopped(monkeypatch, tmp_path, ["--processes", "2", "--address", "127.0.0.1"],
                                           None)
    assert [(s.args[1], s.args[2]) for s in servers] == [(8600, "127.0.0.1")] and proxies == []
    out = capsys.readouterr().out
    assert "Chưa có caddy" in out and "sudo apt-get install caddy" in out and "một tiến trình" in out


def test_one_process_is_todays_single_server_on_the_port(monkeypatch, tmp_path):
    servers, proxies = serve_until_stopped(monkeypatch, tmp_path, ["--processes", "1"], "/usr/bin/caddy")
    assert [(s.args[1], s.args[2]) for s in servers] == [(8600, "0.0.0.0")] and proxies == []


def test_https_serves_the_internal_ca_and_says_where_its_root_is(monkeypatch, tmp_path, capsys):
    servers, proxies = serve_until_stopped(
        monkeypatch, tmp_path, ["--processes", "1", "--https", "--host", "bcd.tinh.example", "--backend-port", "8901"],
        "/usr/bin/caddy")
    assert [(s.args[1], s.args[2]) for s in servers] == [(8901, "127.0.0.1")]  # behind the proxy, even alone
    text = proxies[0].args[0].read_text(encoding="utf-8")
    assert "https://bcd.tinh.example:8600 {" in text and "tls internal" in text
    out = capsys.readouterr().out
    assert "https://localhost:8600" in out and str(launcher.internal_ca_root(tmp_path / "data")) in out


def test_https_without_caddy_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(launcher, "caddy_path", lambda: None)
    with pytest.raises(launcher.SetupError, match="sudo apt-get install caddy"):
        launcher.serve(launcher.parse(["--data-dir", str(tmp_path / "data"), "--https"]))


def test_the_default_is_one_process_per_core():
    import os

    assert launcher.default_processes() == len(os.sched_getaffinity(0)) >= 1
    assert launcher.parse([]).processes is None  # decided when serving: default_processes()
    with pytest.raises(SystemExit):
        launcher.parse(["--processes", "0"])
