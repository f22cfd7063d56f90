"""The launcher: `python3 -m app.launcher` sets up and starts the dashboard on a fresh Debian/Ubuntu machine.

1. Checks the system: Python 3.11 or later with its `venv` module (Debian's `python3-venv`); Debian's `chromium` is
   checked too and its absence only reported (the dashboard runs without it; tests, chart images and the PDF pack
   need it).
2. Creates or reuses `.venv` in the project and installs `requirements.txt` into it (again only when the file
   changed), then runs itself again with `.venv/bin/python`: nothing is installed into the system's Python.
3. On a data directory that never ran the ETL, writes and builds the demo at once, under the ETL's lock, with its
   progress in the terminal; the dashboard server starts beside it and shows the same progress to anyone who opens
   the page meanwhile.
4. Prints the local and LAN addresses (read from the machine's own interfaces, no call to the internet) and serves
   until stopped (Ctrl+C).

This module uses the standard library only until it runs inside `.venv`.
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import importlib.util
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
VENV = PROJECT / ".venv"
REQUIREMENTS = PROJECT / "requirements.txt"
STAMP = VENV / ".requirements.sha256"
MIN_PYTHON = (3, 11)
CHROMIUM = ("chromium", "chromium-browser")
SYSTEM_PACKAGES = "python3 (3.11 trở lên), python3-venv, chromium"


class SetupError(Exception):
    """A missing system requirement, told in Vietnamese with the command that fixes it."""


def say(line: str) -> None:
    print(f"[khởi động] {line}", flush=True)


def check_python(version: tuple[int, int] = sys.version_info[:2], has_venv: bool | None = None) -> None:
    if version < MIN_PYTHON:
        raise SetupError(f"Cần Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} trở lên (máy này có {version[0]}.{version[1]}). "
                         "Trên Debian 12 / Ubuntu 24.04: sudo apt-get install python3 python3-venv")
    if has_venv is None:
        has_venv = importlib.util.find_spec("venv") is not None and importlib.util.find_spec("ensurepip") is not None
    if not has_venv:
        raise SetupError("Thiếu gói hệ thống python3-venv (cần để tạo môi trường .venv cho chương trình). "
                         "Cài bằng: sudo apt-get install python3-venv")


def chromium_path() -> str | None:
    return next((p for p in map(shutil.which, CHROMIUM) if p), None)


def chromium_note() -> str | None:
    if chromium_path():
        return None
    return ("Chưa có trình duyệt chromium của Debian: bảng điều hành vẫn chạy, nhưng kiểm thử trình duyệt, xuất biểu đồ "
            "thành ảnh và bộ tài liệu PDF cần nó. Cài bằng: sudo apt-get install chromium")


def in_project_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def venv_python() -> Path:
    return VENV / "bin" / "python"


def requirements_digest() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def ensure_venv() -> Path:
    """Create .venv if missing and install requirements.txt into it when it changed since the last install."""
    python = venv_python()
    if not python.exists():
        say(f"Tạo môi trường Python riêng cho chương trình: {VENV.name}/")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    digest = requirements_digest()
    if not STAMP.exists() or STAMP.read_text().strip() != digest:
        say("Cài các gói trong requirements.txt vào .venv (lần đầu mất vài phút)")
        subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "--quiet",
                        "-r", str(REQUIREMENTS)], check=True)
        STAMP.write_text(digest + "\n")
    return python


def lan_addresses() -> list[str]:
    """IPv4 addresses of this machine's interfaces other than loopback, read from the kernel (SIOCGIFADDR)."""
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _, name in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(s.fileno(), 0x8915, struct.pack("256s", name[:15].encode()))
            except OSError:
                continue  # an interface with no IPv4 address
            address = socket.inet_ntoa(packed[20:24])
            if not address.startswith("127."):
                found.append(address)
    return sorted(set(found))


def urls(port: int, address: str) -> list[str]:
    local = [f"http://localhost:{port}"]
    if address in ("127.0.0.1", "localhost"):
        return local
    lan = lan_addresses() if address in ("0.0.0.0", "") else [address]
    return local + [f"http://{a}:{port}" for a in lan]


def wait_healthy(port: int, server: subprocess.Popen, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            time.sleep(0.1)
    return False


def start_server(data_dir: Path, port: int, address: str) -> subprocess.Popen:
    env = {**os.environ, "COVID_DATA_DIR": str(data_dir)}
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(PROJECT / "dashboard.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", address],
        cwd=PROJECT, env=env)


def parse(argv: list[str] | None) -> argparse.Namespace:
    from etl.argparse_vi import vietnamese_argparse

    with vietnamese_argparse():
        return _parser().parse_args(argv)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python3 -m app.launcher",
        description="Cài đặt (lần đầu) và chạy bảng điều hành. Thư mục dữ liệu chưa từng nạp số liệu được dựng dữ "
                    "liệu mẫu trước.")
    parser.add_argument("--data-dir", metavar="THƯ_MỤC", help="thư mục dữ liệu (mặc định $COVID_DATA_DIR hoặc ./data)")
    parser.add_argument("--port", type=int, default=8501, metavar="CỔNG", help="cổng (mặc định 8501)")
    parser.add_argument("--address", default="0.0.0.0", metavar="ĐỊA_CHỈ",
                        help="địa chỉ lắng nghe (mặc định 0.0.0.0: mọi máy trong mạng nội bộ; 127.0.0.1: chỉ máy này)")
    parser.add_argument("--install-only", action="store_true",
                        help="chỉ tạo .venv và cài các gói, không chạy bảng điều hành (lệnh kiểm thử dùng)")
    return parser


def serve(args: argparse.Namespace) -> int:
    from etl import firststart, lock
    from etl.settings import load_settings
    from etl.snapshots import current_snapshot

    settings = load_settings(args.data_dir)
    build_first = current_snapshot(settings) is None and firststart.needs_demo(settings)
    started = time.monotonic()
    with lock.hold(settings) if build_first else contextlib.nullcontext():
        # Held before the server starts: a page opened now watches this build instead of starting its own.
        server = start_server(settings.data_dir, args.port, args.address)
        signal.signal(signal.SIGTERM, lambda *_: server.terminate())
        try:
            if build_first:
                from app import demo_accounts

                # the demo's accounts first: the progress page, like every page, is behind sign-in
                demo_accounts.ensure(settings)
                say(f"Thư mục dữ liệu {settings.data_dir} chưa có bản dữ liệu: tạo và dựng dữ liệu mẫu "
                    f"(tỉnh mã {settings.province_code}). Ai mở trang lúc này sẽ thấy tiến độ. Tài khoản mẫu: "
                    f"{', '.join(a.login for a in demo_accounts.demo_accounts(settings.province_code))}, mật khẩu "
                    f"{demo_accounts.DEMO_PASSWORD} (README).")
                result = firststart.build_demo(settings, echo=lambda line: print(line, flush=True))
                print(result.summary(), flush=True)
                if result.snapshot is None:
                    say("Không dựng được dữ liệu mẫu; xem nhật ký ở trên. Bảng điều hành vẫn chạy và báo lỗi này.")
            if not wait_healthy(args.port, server):
                say(f"Máy chủ bảng điều hành không khởi động được (cổng {args.port} đã bị dùng?).")
                server.terminate()
                return 1
        except KeyboardInterrupt:
            server.terminate()
            return 130
    seconds = f"{time.monotonic() - started:.1f}".replace(".", ",")
    say(f"Bảng điều hành sẵn sàng sau {seconds} giây. Mở trong trình duyệt:")
    for url in urls(args.port, args.address):
        print(f"    {url}", flush=True)
    say("Dừng bằng Ctrl+C.")
    try:
        return server.wait()
    except KeyboardInterrupt:
        server.terminate()
        server.wait(timeout=10)
        return 0


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        check_python()
        python = ensure_venv()
        note = chromium_note()
        if note and (args.install_only or in_project_venv()):
            say(note)
        if args.install_only:
            return 0
        if not in_project_venv():
            os.execv(str(python), [str(python), "-m", "app.launcher", *(sys.argv[1:] if argv is None else argv)])
        return serve(args)
    except SetupError as exc:
        print(f"LỖI: {exc}", file=sys.stderr, flush=True)
        return 2
    except subprocess.CalledProcessError as exc:
        print(f"LỖI: lệnh {' '.join(map(str, exc.cmd))} thất bại (mã {exc.returncode}).", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
