"""The launcher: `python3 -m app.launcher` sets up and starts the dashboard on a fresh Debian/Ubuntu machine.

1. Checks the system: Python 3.11 or later with its `venv` module (Debian's `python3-venv`); a missing `chromium` is
   only reported (the dashboard runs without it; tests, chart images and the PDF pack need it).
2. Creates or reuses `.venv` in the project and installs `requirements.txt` into it (again only when the file
   changed), then runs itself again with `.venv/bin/python`: nothing is installed into the system's Python.
3. Starts `--processes N` server processes (one per core by default) on 127.0.0.1 behind Caddy on `--port`
   (serve()); one process, or no caddy installed, is one server on `--port`.
4. Runs the builds the servers wait for, once, under the ETL's lock, never in a server process (prepare(), also
   `--prepare-only`): the demo of a fresh data directory, or the rebuild after an upgrade in the background.
5. Warms the servers' caches (app/warm.py, in a thread): every page of every scope that has an account, drawn in
   every process once they answer and again after each publication, with its progress and a summary printed.
6. Prints the local and LAN addresses (read from the machine's own interfaces, no call to the internet) and serves
   until Ctrl+C or SIGTERM, which stop every child.

This module uses the standard library only until it runs inside `.venv`.
"""
from __future__ import annotations

import argparse
import fcntl
import functools
import hashlib
import importlib.util
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from app.proxy import CADDY_MISSING, caddy_config, caddy_path, internal_ca_root, start_caddy  # noqa: F401

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


def urls(port: int, address: str, scheme: str = "http") -> list[str]:
    local = [f"{scheme}://localhost:{port}"]
    if address in ("127.0.0.1", "localhost"):
        return local
    lan = lan_addresses() if address in ("0.0.0.0", "") else [address]
    return local + [f"{scheme}://{a}:{port}" for a in lan]


def wait_healthy(port: int, server: subprocess.Popen, timeout: float = 60, scheme: str = "http") -> bool:
    import ssl

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        try:  # whether it answers, not whose certificate it shows (the proxy's internal CA)
            with urllib.request.urlopen(f"{scheme}://127.0.0.1:{port}/_stcore/health", timeout=1,
                                        context=ssl._create_unverified_context()) as resp:
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


def default_processes() -> int:
    """One server process per core: a process runs page scripts on one core (ARCHITECTURE.md, Serving many viewers)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def stop_all(procs: list[subprocess.Popen]) -> None:
    """Every child ended: asked first (SIGTERM), killed after 10 seconds."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + 10
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()


def parse(argv: list[str] | None) -> argparse.Namespace:
    from etl.argparse_vi import vietnamese_argparse

    with vietnamese_argparse():
        parser = _parser()
        args = parser.parse_args(argv)
        if args.processes is not None and args.processes < 1:
            parser.error("--processes phải từ 1 trở lên")
        if bool(args.cert) != bool(args.key):
            parser.error("--cert và --key phải đi cùng nhau")
        return args


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python3 -m app.launcher",
        description="Cài đặt (lần đầu) và chạy bảng điều hành. Thư mục dữ liệu chưa từng nạp số liệu được dựng dữ "
                    "liệu mẫu trước; bản dữ liệu do phiên bản cũ dựng được dựng lại trong lúc bản cũ vẫn được dùng.")
    parser.add_argument("--data-dir", metavar="THƯ_MỤC", help="thư mục dữ liệu (mặc định $COVID_DATA_DIR hoặc ./data)")
    parser.add_argument("--port", type=int, default=8501, metavar="CỔNG", help="cổng (mặc định 8501)")
    parser.add_argument("--address", default="0.0.0.0", metavar="ĐỊA_CHỈ",
                        help="địa chỉ lắng nghe (mặc định 0.0.0.0: mọi máy trong mạng nội bộ; 127.0.0.1: chỉ máy này)")
    parser.add_argument("--processes", type=int, metavar="N",
                        help=f"số tiến trình máy chủ (mặc định: số lõi, ở máy này {default_processes()}); từ 2: "
                             "Caddy nghe trên CỔNG, các tiến trình nghe 127.0.0.1 ở các cổng nội bộ liên tiếp")
    parser.add_argument("--backend-port", type=int, default=8701, metavar="CỔNG",
                        help="cổng nội bộ của tiến trình đầu tiên khi có bộ chia tải (mặc định 8701)")
    parser.add_argument("--https", action="store_true",
                        help="phục vụ HTTPS ở bộ chia tải: bằng chứng chỉ của tỉnh (--cert, --key) hoặc, nếu không "
                             "có, bằng tổ chức cấp chứng chỉ nội bộ của Caddy (không cần Internet)")
    parser.add_argument("--cert", metavar="TỆP", help="chứng chỉ của tỉnh (PEM) cho HTTPS")
    parser.add_argument("--key", metavar="TỆP", help="khóa riêng của chứng chỉ đó (PEM)")
    parser.add_argument("--host", action="append", metavar="TÊN",
                        help="tên hoặc địa chỉ người dùng gõ để mở bảng điều hành, ghi vào chứng chỉ nội bộ (lặp lại "
                             "được; mặc định localhost và các địa chỉ mạng nội bộ của máy)")
    parser.add_argument("--prepare-only", action="store_true",
                        help="chỉ dựng dữ liệu mẫu (thư mục dữ liệu mới) hoặc dựng lại bản dữ liệu sau khi nâng cấp, "
                             "một lần, rồi thoát (dịch vụ systemd covid-dashboard-prepare dùng)")
    parser.add_argument("--install-only", action="store_true",
                        help="chỉ tạo .venv và cài các gói, không chạy bảng điều hành (lệnh kiểm thử dùng)")
    return parser


_echo = functools.partial(print, flush=True)


def prepare(settings, background: bool = False) -> tuple[int, threading.Thread | None]:
    """The builds the servers wait for, run here once under the ETL's lock, never in a server process (one code path
    for the launcher and `--prepare-only`): the demo of a fresh data directory, or the rebuild of a snapshot of an
    older model version (the older snapshot keeps serving), in a thread named after it when `background`. Returns (0,
    or 1 when a build failed; the build's thread)."""
    from etl import firststart
    from etl.snapshots import current_snapshot

    if current_snapshot(settings) is None and firststart.needs_demo(settings):
        from app import demo_accounts

        # the demo's accounts first: the progress page, like every page, is behind sign-in
        demo_accounts.ensure(settings)
        say(f"Thư mục dữ liệu {settings.data_dir} chưa có bản dữ liệu: tạo và dựng dữ liệu mẫu "
            f"(tỉnh mã {settings.province_code}). Ai mở trang lúc này sẽ thấy tiến độ. Tài khoản mẫu: "
            f"{', '.join(a.login for a in demo_accounts.demo_accounts(settings.province_code))}, mật khẩu "
            f"{demo_accounts.DEMO_PASSWORD} (README).")
        build, name = functools.partial(_build_demo, settings), "demo"
    elif firststart.rebuild_needed(settings):
        say("Bản dữ liệu đang dùng do phiên bản cũ của chương trình dựng: dựng lại từ các tệp đã lưu trữ"
            + (" trong nền; trong lúc đó bản cũ vẫn được dùng." if background else "."))
        build, name = functools.partial(firststart.rebuild_told, settings, _echo), "rebuild"
    else:
        return 0, None
    if not background:
        return build(), None
    thread = threading.Thread(target=build, name=name, daemon=True)
    thread.start()
    return 0, thread


def _build_demo(settings) -> int:
    from etl import firststart, lock

    try:
        result = firststart.build_demo(settings, echo=_echo)
    except lock.Busy:
        say("Một tiến trình khác đang dựng dữ liệu cho thư mục này; các trang hiển thị tiến độ của nó.")
        return 0
    print(result.summary(), flush=True)
    if result.snapshot is None:
        say("Không dựng được dữ liệu mẫu; xem nhật ký ở trên. Bảng điều hành vẫn chạy và báo lỗi này.")
    return 0 if result.snapshot else 1


def serve(args: argparse.Namespace) -> int:
    from etl.settings import load_settings

    settings = load_settings(args.data_dir)
    if args.prepare_only:
        return prepare(settings)[0]
    processes = args.processes or default_processes()
    proxied = processes > 1 or args.https or bool(args.cert)
    if proxied and caddy_path() is None:
        if args.https or args.cert:
            raise SetupError(f"HTTPS cần bộ chia tải Caddy. {CADDY_MISSING}")
        say(f"{CADDY_MISSING}. Tạm chạy một tiến trình máy chủ trên cổng {args.port}.")
        processes, proxied = 1, False
    started = time.monotonic()
    # SIGTERM (systemd, kill) ends the launcher the way Ctrl+C does: every child stopped
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    children: list[subprocess.Popen] = []
    try:
        return _serve(args, settings, processes, proxied, started, children)
    except KeyboardInterrupt:
        return 0
    finally:
        stop_all(children)
        signal.signal(signal.SIGTERM, previous)


def _serve(args: argparse.Namespace, settings, processes: int, proxied: bool, started: float,
           children: list[subprocess.Popen]) -> int:
    """Start the children (appended to `children`, which the caller stops), prepare, print where to open, watch."""
    backends = [args.backend_port + i for i in range(processes)] if proxied else [args.port]
    children += [start_server(settings.data_dir, p, "127.0.0.1" if proxied else args.address) for p in backends]
    _, build = prepare(settings, background=True)
    for port, server in zip(backends, children):
        if not wait_healthy(port, server):
            say(f"Máy chủ bảng điều hành không khởi động được (cổng {port} đã bị dùng?).")
            return 1
    scheme = "https" if args.https or args.cert else "http"
    if proxied:  # once every process answers: Caddy's first health check must not leave one out of the spread
        run_dir = settings.data_dir / "run"
        run_dir.mkdir(parents=True, exist_ok=True)
        config = run_dir / "Caddyfile"
        hosts = args.host or ["localhost", *(lan_addresses() if args.address in ("0.0.0.0", "") else [args.address])]
        config.write_text(caddy_config(args.port, backends, args.address, settings.data_dir / "caddy",
                                       https=args.https or bool(args.cert),
                                       cert=args.cert and str(Path(args.cert).resolve()),
                                       key=args.key and str(Path(args.key).resolve()), hosts=hosts), encoding="utf-8")
        children.append(start_caddy(config, run_dir / "caddy.log"))
        if not wait_healthy(args.port, children[-1], timeout=30, scheme=scheme):
            say(f"Bộ chia tải Caddy không khởi động được (cổng {args.port} đã bị dùng?); nhật ký: "
                f"{run_dir / 'caddy.log'}")
            return 1
    from app import warm

    # every page of every scope drawn in every process after the start and each publication (app/warm.py)
    children.insert(0, warm.Warmer(settings, backends))  # stopped first: no page run cut by a server stopping
    while build is not None and build.name == "demo" and build.is_alive():
        build.join(0.2)  # the demo first (its progress is on every page meanwhile); a rebuild goes on behind
    seconds = f"{time.monotonic() - started:.1f}".replace(".", ",")
    how = (f" ({processes} tiến trình máy chủ trên 127.0.0.1:{backends[0]}–{backends[-1]}, sau bộ chia tải "
           f"Caddy; cấu hình {config})") if proxied else ""
    say(f"Bảng điều hành sẵn sàng sau {seconds} giây{how}. Mở trong trình duyệt:")
    for url in urls(args.port, args.address, scheme):
        print(f"    {url}", flush=True)
    if scheme == "https" and not args.cert:
        say(f"Chứng chỉ gốc của Caddy (cài vào máy trạm để trình duyệt tin cậy, xem README): "
            f"{internal_ca_root(settings.data_dir)}")
    say("Dừng bằng Ctrl+C.")
    while True:
        for child in children:
            if child.poll() is not None:
                say(f"Một tiến trình đã dừng (mã {child.returncode}): dừng tất cả.")
                return child.returncode or 1
        time.sleep(0.5)


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
