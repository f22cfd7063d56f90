"""Serving a whole briefing room: several server processes behind Caddy (Debian's `caddy`), for real, and the files a
province deploys (deploy/: the Caddyfile, the systemd units)."""
from __future__ import annotations

import configparser
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from test_browser import ARGS, CHROMIUM, DRAWN, PROJECT, free_port, free_ports, require_chromium, sign_in, stop

from app import launcher

pytest_plugins = ["conftest_app"]
DEPLOY = PROJECT / "deploy"
UNITS = DEPLOY / "systemd"
AFFINITY = "bcd_may_chu"  # the cookie Caddy sets (deploy/Caddyfile.template, lb_policy cookie)
SERVED_BY = "X-Bcd-May-Chu"  # the internal port of the process Caddy sent a request to


def require_caddy() -> str:
    path = shutil.which("caddy")
    if path is None:
        # Never a skip: tests/run.sh installs Debian's caddy as it installs chromium.
        pytest.fail("Debian's caddy is missing: install it with `apt-get install caddy` (tests/run.sh does).",
                    pytrace=False)
    return path


@pytest.fixture(scope="module")
def proxied(app_data, tmp_path_factory):
    """`python3 -m app.launcher --processes 2` (from the project's .venv) on a copy of the hand-made warehouse: two
    Streamlit processes on 127.0.0.1 behind Caddy. Yields (proxy URL, the two internal ports, data directory)."""
    require_caddy()
    from conftest_app import session_for

    data = tmp_path_factory.mktemp("deploy") / "data"
    shutil.copytree(app_data, data)
    session_for("committee", data_dir=data)  # an account, whose scope the launcher's warm-up draws
    port, backend = free_port(), free_ports(2)
    env = {k: v for k, v in os.environ.items() if k not in ("COVID_DATA_DIR", "COVID_PROVINCE")}
    proc = subprocess.Popen([sys.executable, "-m", "app.launcher", "--data-dir", str(data), "--port", str(port),
                             "--address", "127.0.0.1", "--processes", "2", "--backend-port", str(backend)],
                            cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True).start()
    deadline = time.monotonic() + 60
    while not any("Dừng bằng Ctrl+C" in line for line in lines):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop(proc)
            pytest.fail("the launcher did not start:\n" + "".join(lines), pytrace=False)
        time.sleep(0.1)
    import psutil

    children = psutil.Process(proc.pid).children(recursive=True)
    try:
        yield f"http://127.0.0.1:{port}", (backend, backend + 1), data, lines
    finally:
        stop(proc)  # SIGTERM, as systemd or kill sends it
        out = "".join(lines)
        assert proc.returncode == 0, out
        assert "Traceback" not in out, out
    # every child (two servers, Caddy) was stopped with the launcher
    assert len(children) >= 3 and not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert f"(2 tiến trình máy chủ trên 127.0.0.1:{backend}–{backend + 1}, sau bộ chia tải Caddy" in out, out
    assert f"    http://localhost:{port}\n" in out


def get(url: str, cookie: str | None = None) -> tuple[int, str | None]:
    """(the process that answered, the affinity cookie Caddy set), for a client that holds `cookie` or none."""
    request = urllib.request.Request(url, headers={"Cookie": f"{AFFINITY}={cookie}"} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.status == 200 and resp.read() == b"ok"
        set_cookie = [c.split(";")[0].split("=", 1)[1] for c in resp.headers.get_all("Set-Cookie") or []
                      if c.startswith(f"{AFFINITY}=")]
        return int(resp.headers[SERVED_BY]), (set_cookie or [None])[0]


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_clients_without_a_cookie_are_spread_and_one_with_its_cookie_stays(proxied):
    """Cookie affinity, not IP hash: clients from one address (a briefing room behind one NAT) are spread over both
    processes; each gets Caddy's cookie, and a client that sends it back always reaches the same process."""
    url, backends, _, _ = proxied
    health = f"{url}/_stcore/health"
    first = [get(health) for _ in range(16)]  # 16 clients, each with no cookie yet
    assert all(cookie for _, cookie in first)
    assert {port for port, _ in first} == set(backends)  # by chance all on one: 2 in 65.536
    by_cookie = {}
    for port, cookie in first:
        assert by_cookie.setdefault(cookie, port) == port  # one cookie, one process
    for port, cookie in first[:2]:
        again = [get(health, cookie) for _ in range(8)]
        assert again == [(port, None)] * 8  # the same process every time, and no new cookie


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_a_browser_through_the_proxy_reruns_on_a_click_and_downloads_an_excel_file(proxied, playwright):
    """Debian's chromium, signed in, through Caddy: the page draws over its websocket, the toggle of the lots at risk
    reruns its fragment (in the process that holds the session), and that table's Excel file, written by that process
    when the button is clicked, arrives through the proxy as a workbook."""
    import openpyxl

    require_chromium()
    url, backends, data, _ = proxied
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    try:
        page = chromium.new_page(viewport={"width": 1440, "height": 2600}, locale="vi-VN", accept_downloads=True)
        sign_in(page, url, data)
        page.goto(url + "/Vac_xin_ton_kho")
        page.get_by_text("Theo lô, hạn dùng gần nhất trước").first.wait_for(timeout=30_000)
        page.wait_for_function(DRAWN, timeout=30_000)
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        assert AFFINITY in cookies, cookies
        assert get(f"{url}/_stcore/health", cookies[AFFINITY])[0] in backends
        page.get_by_text("Chỉ các lô có nguy cơ hết hạn chưa dùng").click()
        page.get_by_text("chỉ các lô có nguy cơ hết hạn chưa dùng", exact=False).nth(1).wait_for(timeout=30_000)
        page.wait_for_function(DRAWN, timeout=30_000)
        with page.expect_download(timeout=30_000) as info:
            page.locator(".st-key-stock_lots_xlsx").get_by_role("button", name="Tải bảng Excel").click()
        download = info.value
        assert download.suggested_filename == "ton_kho_theo_lo_20220314.xlsx"
        book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()))
        assert "Số lô" in [c.value for c in book.active[3]]
        assert page.locator('[data-testid="stException"]').count() == 0
    finally:
        chromium.close()


@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_the_launcher_warms_every_process_and_leaves_no_session_behind(proxied):
    """After the start, the launcher draws every page in both processes for the scope that has an account, says how
    far it is in Vietnamese, then sums it up in one line; the warm-up's sessions are gone, and nothing is audited."""
    from app import warm
    from app.frame import PAGES

    _, _, data, lines = proxied
    deadline = time.monotonic() + 120
    while not (done := [line for line in lines if line.startswith("[làm nóng] Đã làm nóng bộ nhớ đệm")]):
        assert time.monotonic() < deadline, "".join(lines)
        time.sleep(0.2)
    out = "".join(lines)
    assert re.search(r"\[làm nóng\] làm nóng bộ nhớ đệm … \d+/\d+ trang\n", out), out
    found = re.search(r": (\d+)/(\d+) trang \((\d+) trang × (\d+) phạm vi × 2 tiến trình\) trong [\d,]+ giây, "
                      r"không lỗi\.", done[0])
    assert found, out
    runs, total, pages, scopes = map(int, found.groups())
    assert runs == total == pages * scopes * 2 and pages == len(PAGES) and scopes >= 1
    store = launcher_state(data)
    assert store.end_system_sessions(warm.WARM_ADDRESS) == 0  # none left to end
    assert [r for r in store.audit_log() if r["address"] == warm.WARM_ADDRESS or r["event"].startswith("sign")] == []


def launcher_state(data: Path):
    from app.state import State

    return State(data / "state" / "state.sqlite3")


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


# --- the files a province deploys ------------------------------------------------------------------------------------

def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(UNITS / name, encoding="utf-8")
    return parser


def exec_start(name: str) -> list[str]:
    return shlex.split(unit(name)["Service"]["ExecStart"])


def test_the_systemd_units_verify(tmp_path):
    """systemd's own check of every unit (an instance of the template), the paths of /opt/covid-dashboard and the
    data directory pointed at this checkout: a wrong key, value or command fails it."""
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("no systemd-analyze here: test_the_units_run_modules_and_options_that_exist reads them instead")
    names = []
    for path in sorted(UNITS.glob("*.*")):
        if path.is_dir():
            continue
        text = path.read_text(encoding="utf-8").replace("/opt/covid-dashboard", str(PROJECT))
        text = text.replace("/srv/covid-dashboard", str(tmp_path))
        name = path.name.replace("@.", "@8701.")
        (tmp_path / name).write_text(text, encoding="utf-8")
        names.append(str(tmp_path / name))
    out = subprocess.run([analyze, "verify", "--man=no", *names], capture_output=True, text=True, timeout=60,
                         cwd=tmp_path)
    assert out.returncode == 0 and out.stderr.strip() == "", out.stderr


def test_the_units_run_modules_and_options_that_exist():
    """Each ExecStart runs the project's Python on a module of this project (or Streamlit on dashboard.py) with
    options its command line accepts; the servers listen on 127.0.0.1 at the instance's port; every unit reads the same
    data directory from the same installation."""
    import streamlit.config

    from etl.__main__ import _parser as etl_parser

    python = "/opt/covid-dashboard/.venv/bin/python"
    server = exec_start("covid-dashboard@.service")
    assert server[:4] == [python, "-m", "streamlit", "run"] and (PROJECT / server[4]).is_file()
    options = dict(zip(server[5::2], server[6::2]))
    assert options == {"--server.headless": "true", "--server.address": "127.0.0.1", "--server.port": "%i"}
    for option in options:
        streamlit.config.get_option(option[2:])  # raises for an option Streamlit does not have
    prepare = exec_start("covid-dashboard-prepare.service")
    assert prepare[:3] == [python, "-m", "app.launcher"]
    assert launcher._parser().parse_args(prepare[3:]).prepare_only
    assert unit("covid-dashboard-prepare.service")["Service"]["Type"] == "oneshot"
    etl = exec_start("covid-etl.service")
    assert etl[:3] == [python, "-m", "etl"] and etl_parser().parse_args(etl[3:]).command == "run"
    assert unit("covid-etl.timer")["Timer"]["OnCalendar"]
    warmer = exec_start("covid-dashboard-warm.service")
    assert warmer[:5] == [python, "-m", "app.warm", "--ports", "8701,8702"] and len(warmer) == 5
    # the processes it warms are those Caddy spreads viewers over
    upstreams = re.search(r"reverse_proxy ([^{]+)\{", (DEPLOY / "Caddyfile").read_text(encoding="utf-8")).group(1)
    assert upstreams.split() == [f"127.0.0.1:{p}" for p in warmer[4].split(",")]
    assert "covid-dashboard-warm.service" in unit("covid-dashboard.target")["Unit"]["Wants"]
    for name in ("covid-dashboard@.service", "covid-dashboard-prepare.service", "covid-etl.service",
                 "covid-dashboard-warm.service"):
        service = unit(name)["Service"]
        assert service["WorkingDirectory"] == "/opt/covid-dashboard"
        assert service["Environment"] == "COVID_DATA_DIR=/srv/covid-dashboard/data"
    assert "covid-dashboard-prepare.service" in unit("covid-dashboard@.service")["Unit"]["Wants"]
    assert "caddy.service" in unit("covid-dashboard.target")["Unit"]["Wants"]


def caddy_validate(config: Path, tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "caddy-data"), "XDG_CONFIG_HOME": str(tmp_path / "caddy-cfg")}
    out = subprocess.run([require_caddy(), "validate", "--config", str(config), "--adapter", "caddyfile"],
                         capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert out.returncode == 0 and "Valid configuration" in out.stdout + out.stderr, out.stdout + out.stderr


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=bcd.tinh.example", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_the_shipped_caddyfile_is_valid_with_a_provinces_certificate_or_the_internal_ca(tmp_path):
    """deploy/Caddyfile as a province edits it: HTTPS with its own certificate, or `tls internal`; no ACME, no port
    80; sticky sessions by cookie, websockets and health checks as the launcher's template has them."""
    text = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
    assert "tls internal" in text  # the other choice, told in the comment above the site
    directives = "\n".join(line.split("#")[0].strip() for line in text.splitlines())
    for needed in ("lb_policy cookie", "health_uri /_stcore/health", "auto_https disable_redirects",
                   "tls /etc/caddy/tls/cert.pem /etc/caddy/tls/key.pem"):
        assert needed in directives, needed
    assert "ip_hash" not in directives and "acme" not in directives.lower()
    if shutil.which("openssl"):
        cert, key = self_signed(tmp_path)
        own = tmp_path / "Caddyfile.own"
        own.write_text(text.replace("/etc/caddy/tls/cert.pem", str(cert)).replace("/etc/caddy/tls/key.pem", str(key)),
                       encoding="utf-8")
        caddy_validate(own, tmp_path)
    internal = tmp_path / "Caddyfile.internal"
    internal.write_text(text.replace("tls /etc/caddy/tls/cert.pem /etc/caddy/tls/key.pem", "tls internal"),
                        encoding="utf-8")
    caddy_validate(internal, tmp_path)


@pytest.mark.parametrize("https", ["", "internal", "own"])
def test_the_launchers_caddyfile_is_valid(tmp_path, https):
    """What `--processes N` writes into the data directory's run folder, in HTTP, and in HTTPS with the internal CA or
    the province's certificate: valid for Caddy, with the internal ports of every process."""
    cert = key = None
    if https == "own":
        if not shutil.which("openssl"):
            pytest.skip("no openssl to make a certificate")
        cert, key = map(str, self_signed(tmp_path))
    text = launcher.caddy_config(8600, [8701, 8702, 8703], "127.0.0.1", tmp_path / "store", https=bool(https),
                                 cert=cert, key=key, hosts=["localhost", "10.20.30.40"])
    assert "reverse_proxy 127.0.0.1:8701 127.0.0.1:8702 127.0.0.1:8703 {" in text and "@@" not in text
    assert ("https://localhost:8600, https://10.20.30.40:8600 {" if https else "\n:8600 {") in text
    config = tmp_path / "Caddyfile"
    config.write_text(text, encoding="utf-8")
    caddy_validate(config, tmp_path)
