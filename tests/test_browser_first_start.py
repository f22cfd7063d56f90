"""The README's start command on a machine with no data, for real: `python3 -m app.launcher` (here from the project's
.venv) on an empty data directory, with its default number of server processes (one per core, behind Caddy when more
than one), Debian's chromium opening the page while the launcher builds the demo."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time

import pytest
from test_browser import (ARGS, CHROMIUM, PROJECT, SHOTS, free_port, free_ports, playwright, require_chromium, stop,
                          wait_healthy)

from app import launcher  # noqa: E402
from app.demo_accounts import DEMO_PASSWORD  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]
__all__ = ["playwright"]  # the module's one Playwright driver, as in test_browser


def test_the_launcher_builds_the_demo_first_and_the_browser_shows_its_progress(tmp_path, playwright):
    """The README's start command on a machine with no data: the launcher builds the demo at once, printing each stage
    and file, while a browser opened meanwhile shows a progress bar naming the stage and file (not a blank page); then
    it prints the addresses and the overview of the demo opens."""
    require_chromium()
    port = free_port()
    processes = launcher.default_processes()
    env = {k: v for k, v in os.environ.items() if k not in ("COVID_DATA_DIR", "COVID_PROVINCE")}
    proc = subprocess.Popen([sys.executable, "-m", "app.launcher", "--data-dir", str(tmp_path / "data"),
                             "--port", str(port), "--address", "127.0.0.1",
                             "--backend-port", str(free_ports(processes))],
                            cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    try:
        # the server starts beside the build: a viewer can open the page while the demo is built
        wait_healthy(url, proc, lambda: "".join(lines))
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1200}, locale="vi-VN")
        page.goto(url + "/")
        # every page is behind sign-in, the progress page too: the demo's accounts exist before the build starts,
        # and the sign-in page names them
        page.get_by_label("Tên đăng nhập").wait_for(timeout=30_000)
        assert DEMO_PASSWORD in page.inner_text("body")
        page.get_by_label("Tên đăng nhập").fill("bcd")
        page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.get_by_text("Chuẩn bị dữ liệu lần đầu").wait_for(timeout=30_000)
        bar = page.locator('[data-testid="stProgress"]')
        bar.wait_for(timeout=30_000)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "0_lan_dau_tien_do.png"))
        seen = set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and page.get_by_text("Chuẩn bị dữ liệu lần đầu").count():
            # the bar's text now, without waiting for it (it is gone once the build is done)
            seen |= {text.split("(")[0].strip() for text in bar.all_inner_texts()}
            time.sleep(0.3)
        # the bar named what it was doing as it went: the pipeline's stages, file by file
        assert "Kiểm tra và nạp từng tệp" in seen, seen
        page.get_by_text("Chỉ tiêu tiêm chủng có nguy cơ trễ hạn").wait_for(timeout=60_000)
        body = page.inner_text("body")
        assert "TỈNH VĨNH PHÚC" in body and "Số liệu đến ngày" in body
        page.screenshot(path=str(SHOTS / "0_lan_dau_tong_quan.png"))
        browser.close()
        deadline = time.monotonic() + 30
        while not any(f"http://localhost:{port}" in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        stop(proc)
    out = "".join(lines)
    # the terminal told each stage and file as it went, then the one-line summary, then where to open the dashboard
    assert "[demo" in out and "== extract" in out and "== load" in out and "== publish" in out, out
    assert re.search(r"^\[load\] \(1/\d+\) ", out, re.MULTILINE), out
    ready = out.index("Bảng điều hành sẵn sàng")
    if processes > 1:  # the page was served through the proxy, by as many server processes as cores
        assert f"({processes} tiến trình máy chủ trên 127.0.0.1:" in out[ready:], out
    summary = out.index("ETL ")
    assert summary < ready and "đã công bố" in out[summary:ready]
    assert f"    http://localhost:{port}\n" in out[ready:]
    assert "Traceback" not in out


# Titles and labels of plotly's mode bar and of Streamlit's table and chart toolbar: English a viewer would read.


def test_a_server_on_an_empty_data_directory_builds_nothing_and_follows_a_build_another_process_starts(
        tmp_path, playwright):
    """`streamlit run dashboard.py` on a data directory with no snapshot and no build running: the page says what to
    run and keeps watching; when another process (the launcher, `python -m etl demo`; here this test, writing the
    progress file as they do) starts the build, the page draws its bar without a click, and then its end."""
    from conftest_app import session_for
    from test_browser import serve, sign_in

    from etl import firststart
    from etl.settings import load_settings

    require_chromium()
    data = tmp_path / "data"
    settings = load_settings(data, province="26")
    with serve(data, tmp_path / "server.log") as url:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1200}, locale="vi-VN")
        session_for("committee", data_dir=data)
        sign_in(page, url, data)
        page.goto(url + "/")
        page.get_by_text("chưa có quá trình dựng dữ liệu nào đang chạy").wait_for(timeout=30_000)
        assert "python3 -m app.launcher" in page.inner_text("body")
        time.sleep(2)  # the page watches: two seconds on, still nothing built by the server
        assert not settings.inbox.exists() and firststart.read_progress(settings) is None
        build = firststart.FileProgress(settings)  # the build of another process (this one, alive)
        build.on_stage("load", 1 / 6)
        build.on_line("[load] (3/4) platform/a.csv: 10 dòng")
        build.write(force=True)
        page.get_by_text("Chuẩn bị dữ liệu lần đầu").wait_for(timeout=10_000)
        page.get_by_text("Kiểm tra và nạp từng tệp (3/4)").wait_for(timeout=10_000)
        build.finish(False, "Không dựng được dữ liệu mẫu: hỏng")
        page.get_by_text("Không dựng được dữ liệu mẫu: hỏng").wait_for(timeout=10_000)
        assert page.locator('[data-testid="stException"]').count() == 0
        browser.close()
    assert not settings.inbox.exists()
