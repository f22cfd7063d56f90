"""Tải thử bảng điều hành qua chính giao thức websocket của Streamlit (không trình duyệt): bao nhiêu người xem một
tiến trình (hay K tiến trình) phục vụ được. Prints its figures; it is not a test.

    python bench/load.py cpu   [--rounds 5] [--all-scopes]
    python bench/load.py burst [--viewers 50] [--clicks 2]
    python bench/load.py human [--viewers 50] [--duration 120]
    python bench/load.py soak  [--viewers 50] [--minutes 60]
    python bench/load.py sessions [--viewers 50]
  common: [--processes K] [--data DIR] [--app-dir DIR] [--timeout 60] [--seed 1] [--no-warmup] [--no-deflate] [--watch]
          [--url http://127.0.0.1:PORT [--server-pids PID,PID | --server-ports P,P]]

Each viewer is a real Streamlit session over the websocket protocol as the browser speaks it (app/wsclient.py, which
the dashboard's own warm-up, app/warm.py, uses too). Every viewer comes from 127.0.0.1 (one room behind one NAT).

Viewers are spread over 16 scopes: the committee (bench.bcd), health (bench.syt), the demo's standing-committee
members that the snapshot's assignments give districts to (uv.*: a member's districts come from the assignments, so
these accounts keep the demo's logins), and one district account per district of the province (bench.huyen.<code>).
Missing accounts are created in the data directory's state database, and a session is opened per viewer, as the
sign-in form leaves it (the time that takes is printed as an aside: sign-in is measured by bench/pages.py).

Scenarios:
  cpu    one committee viewer opens every page of app.frame.PAGES once (discarded), then --rounds passes: per page,
         the wall time of a run (rerun_script sent -> script_finished) and the CPU time the server processes (and
         their children) used during the run, user + system, per run. Target ≤ 50 ms CPU per page run. psutil counts
         CPU in clock ticks (10 ms): more rounds, finer figures. The server's idle CPU rate is printed beside it,
         and the CPU of a first (cold) run. --all-scopes: the same with one viewer per scope in turn (the caches
         of each scope's content warm too), and the CPU of a run per scope.
  burst  --viewers open a page each within the same second, then click (open another page) --clicks times at once.
         Target p95 ≤ 3 s.
  human  --viewers, each arriving within 20 s, then waiting a random 0–20 s before each click, cycling over every
         page, for --duration seconds; a --widgets share of the clicks picks another option of a radio or selectbox
         of the page on screen instead (a rerun of the same page). Target p95 ≤ 1 s.
  soak   human for --minutes, printing the servers' RSS every minute, and at the end its growth.
  sessions  memory per open session: every viewer's pages drawn once (the caches full), then --viewers sessions
         open a page each and stay; the servers' RSS before and after, per session.

Figures printed by every scenario:
  runs         page runs completed (open = the first page of a websocket, click = a later page, widget = another
               option of a radio or selectbox), and per second
  p50/p95/max  page-run time, rerun_script sent -> script_finished (a st.switch_page in between included)
  errors       runs that ended in a timeout (--timeout), a disconnection, an exception element, a script_finished
               with an error status, or the sign-in page (the cookie was not honoured); the first few are listed
  server CPU   CPU seconds of the server processes over the scenario, % of all the machine's cores, per page run,
               and per process
  generator    CPU seconds of this script (if it nears one core, the generator is the bottleneck, not the server)
  RSS          resident memory of the server processes (sum) at start and end
  load         os.getloadavg() at start and end: other work on the machine skews every figure

By default the script starts --processes Streamlit servers on free localhost ports (COVID_DATA_DIR=--data, built with
`python bench/benchmark.py demo` if missing; the code of --app-dir, e.g. a `git archive HEAD` export while the working
tree is being edited), spreads viewers round-robin over them (a stand-in for cookie affinity), warms each with one
pass over every page (not counted) and stops them at the end, on Ctrl+C too. They run without Streamlit's file
watcher (--server.fileWatcherType none); --watch keeps it: each new session then registers watches on every module of
the app (a slower, costlier opening), and while files change every open session is told of each change (~50–100 ms
of server CPU a second per session).

With --url it loads a running deployment (e.g. `python -m app.launcher --processes 2`, Caddy with cookie affinity in
front): each viewer first GETs / with its sign-in cookie and keeps the cookies the proxy sets (Set-Cookie) for its
websocket; the server processes measured are --server-pids, or those listening on --server-ports, or on the URL's
port; one viewer per process the proxy names (X-Bcd-May-Chu) warms them. The bench's sessions are signed out at the
end. A launcher warms its processes itself after a start and after each publication (app/warm.py): with --no-warmup,
a burst started right after one measures what the first viewers meet.
"""
from __future__ import annotations

import argparse
import asyncio
import http.cookies
import ipaddress
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
# Outside a server Streamlit warns on every cached call ('missing ScriptRunContext'); read before it is imported.
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")

import psutil  # noqa: E402  (comes with Streamlit)

from app.wsclient import COOKIE, Client, Viewer, url_pathname  # noqa: E402,F401  (the protocol, shared with app.warm)

DEFAULT_DATA = PROJECT / "bench" / "out" / "demo" / "data"
BENCH_PASSWORD = "mat-khau-do-toc-do"
OPENED: list = []  # the state database, then the sessions opened: ended (signed out) at the end
THINK = 20.0  # human: seconds of thought at most before a click
UPSTREAM_HEADER = "X-Bcd-May-Chu"  # deploy/Caddyfile.template: the internal port of the process that answered
TARGETS = {"burst": 3.0, "human": 1.0, "soak": 1.0}


# ---------------------------------------------------------------- formatting

def num(x: float, digits: int = 2) -> str:
    return f"{x:,.{digits}f}".replace(",", " ").replace(".", ",")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def spread(seconds: list[float]) -> str:
    if not seconds:
        return "(không có lượt nào)"
    return (f"p50 {num(statistics.median(seconds))} s   p95 {num(pct(seconds, 0.95))} s   "
            f"max {num(max(seconds))} s   (n={len(seconds)})")


def load_avg() -> str:
    return " / ".join(num(x) for x in os.getloadavg())


# ---------------------------------------------------------------- server processes

class Servers:
    """The server processes measured (and the ones this script started, stopped at the end)."""

    def __init__(self):
        self.started: list[subprocess.Popen] = []
        self.pids: list[int] = []
        self.bases: list[str] = []  # http://127.0.0.1:PORT, one per endpoint viewers are spread over
        self.logs: list[Path] = []

    def processes(self, only: int | None = None) -> list[psutil.Process]:
        out = []
        for pid in self.pids if only is None else [only]:
            try:
                p = psutil.Process(pid)
                out.append(p)
                out.extend(p.children(recursive=True))
            except psutil.Error:
                pass
        return out

    def cpu(self, pid: int | None = None) -> float:
        """CPU seconds (user + system, and of reaped children) of the servers, or of one of them and its children."""
        total = 0.0
        for p in self.processes(pid):
            try:
                t = p.cpu_times()
                total += t.user + t.system + t.children_user + t.children_system
            except psutil.Error:
                pass
        return total

    def rss(self) -> int:
        total = 0
        for p in self.processes():
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total

    def start(self, k: int, data_dir: Path, app_dir: Path, watch: bool = False) -> None:
        env = {**os.environ, "COVID_DATA_DIR": str(data_dir)}
        env.pop("STREAMLIT_LOGGER_LEVEL", None)
        logdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
        for i in range(k):
            port = free_port()
            log = logdir / f"server{i}.log"
            with log.open("wb") as fh:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
                     "--server.port", str(port), "--server.address", "127.0.0.1"]
                    + ([] if watch else ["--server.fileWatcherType", "none"]),
                    cwd=app_dir, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
            self.started.append(proc)
            self.pids.append(proc.pid)
            self.bases.append(f"http://127.0.0.1:{port}")
            self.logs.append(log)

    def wait_healthy(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        for i, base in enumerate(self.bases):
            while True:
                if i < len(self.started) and self.started[i].poll() is not None:
                    tail = self.logs[i].read_text(errors="replace")[-2000:]
                    raise SystemExit(f"Máy chủ {base} đã dừng (mã {self.started[i].returncode}):\n{tail}")
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit(f"Máy chủ {base} không trả lời /_stcore/health sau {seconds:.0f} s")
                time.sleep(0.3)

    def stop(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 10
        for proc in self.started:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        self.started = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loopback_only(url: str) -> str:
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        ok = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise SystemExit(f"Chỉ tải thử trên máy này (127.0.0.0/8, localhost): {url}")
    return url.rstrip("/")


def listening_pids(ports: list[int]) -> list[int]:
    pids = set()
    try:
        for c in psutil.net_connections(kind="inet"):
            if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port in ports and c.pid:
                pids.add(c.pid)
    except psutil.Error:
        pass
    return sorted(pids)


# ---------------------------------------------------------------- viewers and their sessions

def quiet_streamlit() -> None:
    """Outside a server Streamlit warns on every cached call ('No runtime found'): errors only."""
    import logging

    import streamlit.logger

    streamlit.logger.set_log_level("error")
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)


def page_list() -> list[tuple[str, str]]:
    quiet_streamlit()
    from app.frame import PAGES
    quiet_streamlit()
    return [(url_pathname(path), label) for path, label in PAGES]


def scopes(data_dir: Path) -> list[tuple[str, str, str, str | None, str]]:
    """(login, full name, role, district code, scope label) of every scope viewers are spread over."""
    from app import queries as q
    from etl.demo_admin import MEMBERS
    from etl.settings import load_settings
    from etl.units import UnitRegistry

    settings = load_settings(data_dir)
    snapshot = q.snapshot_path(settings)
    if snapshot is None:
        raise SystemExit(f"{data_dir}: chưa có bản dữ liệu nào được công bố")
    out = [("bench.bcd", "Đo tải (Ban Chỉ đạo)", "committee", None, "BCĐ cả tỉnh"),
           ("bench.syt", "Đo tải (Sở Y tế)", "health", None, "SYT cả tỉnh")]
    for name, login in MEMBERS:
        districts = q.member_districts(snapshot, login)
        if districts:
            out.append((login, name, "member", None, f"ủy viên {'+'.join(districts)}"))
    snapshot_districts = set(q.all_districts(snapshot))
    for code in UnitRegistry.load(settings.province_code).districts["district_code"]:
        if str(code) in snapshot_districts:
            out.append((f"bench.huyen.{code}", f"Đo tải (huyện {code})", "district", str(code), f"huyện {code}"))
    return out


def make_viewers(data_dir: Path, count: int, bases: list[str], pages: list[str], rng: random.Random,
                 proxied: bool, quiet: bool = False) -> list[Viewer]:
    from app.state import State
    from etl.settings import load_settings

    started = time.perf_counter()
    store = State(load_settings(data_dir).data_dir / "state" / "state.sqlite3")
    all_scopes = scopes(data_dir)
    count = count or len(all_scopes)  # 0: one viewer per scope
    for login, full_name, role, district, _ in all_scopes:
        if store.account(login) is None:
            store.create_account(login, full_name, role, district, BENCH_PASSWORD, chosen=True)
    viewers = []
    OPENED.append(store)
    for i in range(count):
        login, _, _, _, label = all_scopes[i % len(all_scopes)]
        order = pages[:]
        rng.shuffle(order)
        viewers.append(Viewer(i, login, label, store.new_session(login, "127.0.0.1"), bases[i % len(bases)],
                              pages=order))
        OPENED.append(viewers[-1].token)
    seconds = time.perf_counter() - started
    if proxied:
        for v in viewers:
            v.cookies.update(proxy_cookies(v))
        upstreams: dict[str, int] = {}
        for v in viewers:
            upstreams[v.upstream or "?"] = upstreams.get(v.upstream or "?", 0) + 1
        if not quiet:
            print("(bên lề) qua proxy, người xem theo tiến trình (" + UPSTREAM_HEADER + "): "
                  + ", ".join(f"{k}: {n}" for k, n in sorted(upstreams.items()))
                  + "; cookie giữ lại: " + (", ".join(sorted({k for v in viewers for k in v.cookies})) or "không"))
    if not quiet:
        print(f"(bên lề) tạo {count} phiên đăng nhập trên {len(all_scopes)} phạm vi: {num(seconds)} s"
              + (f"; GET / qua proxy: {num(time.perf_counter() - started - seconds)} s" if proxied else ""))
    return viewers


def proxy_cookies(v: Viewer) -> dict:
    """The cookies a proxy sets on the first HTTP response (cookie affinity), kept for the websocket."""
    req = urllib.request.Request(f"{v.base}/", headers={"Cookie": f"{COOKIE}={v.token}"})
    out = {}
    with urllib.request.urlopen(req, timeout=10) as r:
        v.upstream = r.headers.get(UPSTREAM_HEADER, "")
        for header in r.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(header)
            out.update({k: m.value for k, m in jar.items()})
    return out


# ---------------------------------------------------------------- scenarios

async def warm(load: Client, servers: Servers, viewers_for_warmup: list[Viewer], pages: list[str]) -> None:
    started = time.perf_counter()
    for v in viewers_for_warmup:
        for page in pages:
            r = await load.page(v, page, "warm")
            if r.error:
                print(f"  (làm nóng) /{page}: {r.error}")
        await load.close(v)
    print(f"Làm nóng {len(viewers_for_warmup)} máy chủ (mỗi trang một lượt, không tính): "
          f"{num(time.perf_counter() - started)} s")


async def scenario_cpu(args, load: Client, servers: Servers, viewers: list[Viewer], pages) -> None:
    labels = dict(pages)
    order = [p for p, _ in pages]
    idle0, t0 = servers.cpu(), time.perf_counter()
    await asyncio.sleep(2.0)
    idle = (servers.cpu() - idle0) / (time.perf_counter() - t0)
    per: dict[str, list[tuple[float, float, float]]] = {p: [] for p in order}
    by_scope: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for v in viewers:
            for page in order:
                c0 = servers.cpu()
                r = await load.page(v, page, "click")
                await asyncio.sleep(0.02)  # the last messages sent after script_finished belong to this run
                per[page].append((r.seconds, servers.cpu() - c0, r.kbytes))
                by_scope.setdefault(v.scope, []).append(servers.cpu() - c0)
    for v in viewers:
        await load.close(v)
    if len(viewers) > 1:
        print("\nCPU một lượt theo phạm vi: " + "; ".join(f"{scope} {num(sum(c) / len(c) * 1000, 0)} ms"
                                                         for scope, c in by_scope.items()))
    print(f"\nMỗi trang, {args.rounds} lượt × {len(viewers)} phạm vi "
          f"(CPU máy chủ lúc rảnh: {num(idle * 1000, 1)} ms/s, "
          "đã gồm trong số đo; "
          f"mục tiêu ≤ 50 ms CPU một lượt):")
    print(f"  {'trang':32} {'thời gian p50':>14} {'max':>8} {'CPU/lượt':>10} {'KB nhận':>9}")
    for page in order:
        rows = per[page]
        cpu_ms = sum(c for _, c, _ in rows) / len(rows) * 1000
        flag = "" if cpu_ms <= 50 else "  > 50 ms"
        print(f"  {labels[page][:32]:32} {num(statistics.median(s for s, _, _ in rows) * 1000, 0):>11} ms "
              f"{num(max(s for s, _, _ in rows) * 1000, 0):>5} ms {num(cpu_ms, 0):>7} ms "
              f"{num(statistics.median(k for _, _, k in rows), 0):>9}{flag}")
    all_cpu = [c for rows in per.values() for _, c, _ in rows]
    print(f"  {'mọi trang':32} CPU trung bình {num(sum(all_cpu) / len(all_cpu) * 1000, 0)} ms một lượt")


async def scenario_sessions(load: Client, servers: Servers, viewers: list[Viewer]) -> None:
    """Memory per open session: every page of every viewer's scope drawn once first (the caches full for what the
    viewers will open), then the viewers connect and each opens its first page and stays; the servers' RSS before and
    after, over the viewers."""
    for v in viewers:  # the caches: every page of every scope, on short-lived sessions
        for page in v.pages:
            await load.page(v, page, "warm")
        await load.close(v)
    await asyncio.sleep(2.0)
    before = servers.rss()
    await asyncio.gather(*(load.page(v, v.pages[0], "open") for v in viewers))
    await asyncio.sleep(2.0)
    after = servers.rss()
    print(f"  RSS máy chủ với bộ đệm đầy: {num(before / 2**20, 0)} MiB; với {len(viewers)} phiên mở thêm: "
          f"{num(after / 2**20, 0)} MiB, tức {num((after - before) / 2**20 / len(viewers), 2)} MiB một phiên")
    await asyncio.gather(*(load.close(v) for v in viewers))


async def scenario_burst(args, load: Client, servers: Servers, viewers: list[Viewer], pages) -> None:
    start = time.monotonic() + 1.0
    rng = random.Random(args.seed)
    offsets = [rng.uniform(0, 1) for _ in viewers]

    async def one(v: Viewer, offset: float) -> None:
        await asyncio.sleep(max(0.0, start + offset - time.monotonic()))
        await load.page(v, load.next_page(v), "open")
        for _ in range(args.clicks):
            await load.page(v, load.next_page(v), "click")
        await load.close(v)

    await asyncio.gather(*(one(v, o) for v, o in zip(viewers, offsets)))


async def scenario_human(args, load: Client, servers: Servers, viewers: list[Viewer], pages, seconds: float,
                         every_minute=None) -> None:
    rng = random.Random(args.seed)
    end = time.monotonic() + seconds

    async def one(v: Viewer, r: random.Random) -> None:
        kind = "open"
        for _ in range(int(seconds / 0.5) + 2):  # bounded: at most one click per half second
            wait = r.uniform(0, THINK)
            if time.monotonic() + wait >= end:
                break
            await asyncio.sleep(wait)
            widget = load.some_widget(v, r) if kind != "open" and r.random() < args.widgets else None
            if widget:
                await load.page(v, v.current, "widget", widget)
            else:
                await load.page(v, load.next_page(v), kind)
            kind = "click"
        await load.close(v)

    tasks = [asyncio.create_task(one(v, random.Random(rng.random()))) for v in viewers]
    monitor = asyncio.create_task(every_minute(end)) if every_minute else None
    await asyncio.gather(*tasks)
    if monitor:
        monitor.cancel()


def soak_monitor(load: Client, servers: Servers, started: float):
    rss0 = servers.rss()

    async def every_minute(end: float) -> None:
        began = time.monotonic()
        for _ in range(100_000):  # bounded; ends with the scenario
            if time.monotonic() >= end - 1:
                break
            await asyncio.sleep(min(60.0, max(0.1, end - time.monotonic())))
            recent = [r.seconds for r in load.runs if not r.error and r.at > time.monotonic() - 60]
            print(f"  phút {num((time.monotonic() - began) / 60, 1):>5}: "
                  f"RSS máy chủ {num(servers.rss() / 2**20, 0)} MiB "
                  f"(+{num((servers.rss() - rss0) / 2**20, 0)} MiB), lượt phút qua {spread(recent)}, "
                  f"lỗi tới nay {len(load.errors)}, tải {load_avg()}", flush=True)

    return every_minute


# ---------------------------------------------------------------- report

def report(args, load: Client, servers: Servers, wall: float, cpu_server: float, cpu_gen: float, rss0: int,
           rss1: int, load0: str, cpu_each: dict[int, float]) -> None:
    cores = os.cpu_count() or 1
    ok = [r for r in load.runs if not r.error]
    print(f"\n== {args.scenario}: {len(load.runs)} lượt chạy trang trong {num(wall, 1)} s "
          f"({num(len(load.runs) / wall)} lượt/s), "
          f"{len(servers.bases)} điểm vào ({', '.join(servers.bases)})")
    target = TARGETS.get(args.scenario)
    t_all = [r.seconds for r in ok]
    print(f"  mọi lượt     {spread(t_all)}" + (f"   mục tiêu p95 ≤ {num(target, 0)} s: "
                                                 f"{'đạt' if t_all and pct(t_all, 0.95) <= target else 'KHÔNG ĐẠT'}"
                                                 if target else ""))
    for kind, label in (("open", "mở trang"), ("click", "bấm chuyển"), ("widget", "đổi widget")):
        part = [r.seconds for r in ok if r.kind == kind]
        if part:
            print(f"  {label:12} {spread(part)}")
    if load.connects:
        print(f"  bắt tay ws   {spread(load.connects)}")
    if args.scenario != "cpu":
        by_page: dict[str, list[float]] = {}
        for r in ok:
            by_page.setdefault(r.page, []).append(r.seconds)
        slow = sorted(by_page.items(), key=lambda kv: -statistics.median(kv[1]))
        print("  theo trang   " + "; ".join(f"{p} p50 {num(statistics.median(s))} s p95 {num(pct(s, 0.95))} s"
                                            for p, s in slow))
    if len(servers.bases) > 1:
        for base in servers.bases:
            print(f"  {base.rsplit(':', 1)[-1]:12} {spread([r.seconds for r in ok if r.base == base])}")
    print(f"  lỗi          {len(load.errors)}" + ("" if not load.errors else ": " + " | ".join(load.errors[:5])))
    print(f"  CPU máy chủ  {num(cpu_server, 1)} s = {num(cpu_server / (wall * cores) * 100, 0)} % của {cores} lõi"
          + (f"; {num(cpu_server / len(load.runs) * 1000, 0)} ms một lượt" if load.runs else "")
          + ("; theo tiến trình " + ", ".join(f"{pid}: {num(c, 1)} s" for pid, c in cpu_each.items())
             if len(cpu_each) > 1 else ""))
    print(f"  CPU bộ tạo tải {num(cpu_gen, 1)} s = {num(cpu_gen / wall * 100, 0)} % của một lõi")
    print(f"  RSS máy chủ  đầu {num(rss0 / 2**20, 0)} MiB, cuối {num(rss1 / 2**20, 0)} MiB "
          f"(tăng {num((rss1 - rss0) / 2**20, 0)} MiB)")
    print(f"  tải máy (1/5/15 phút) đầu {load0}, cuối {load_avg()}")


# ---------------------------------------------------------------- main

def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Tải thử bảng điều hành qua websocket của Streamlit (xem docstring).")
    p.add_argument("scenario", choices=("cpu", "burst", "human", "soak", "sessions"))
    p.add_argument("--viewers", type=int, default=50, help="số người xem (burst, human, soak; mặc định 50)")
    p.add_argument("--rounds", type=int, default=5, help="cpu: số vòng qua mọi trang (mặc định 5)")
    p.add_argument("--all-scopes", action="store_true",
                   help="cpu: một người xem cho mỗi phạm vi (16), lần lượt, thay vì chỉ Ban Chỉ đạo")
    p.add_argument("--clicks", type=int, default=2, help="burst: số lần bấm chuyển trang sau khi mở (mặc định 2)")
    p.add_argument("--widgets", type=float, default=0.25,
                   help="human, soak: phần các lần bấm đổi một radio/selectbox của trang thay vì chuyển trang "
                        "(mặc định 0,25)")
    p.add_argument("--duration", type=float, default=120, help="human: số giây (mặc định 120)")
    p.add_argument("--minutes", type=float, default=60, help="soak: số phút (mặc định 60)")
    p.add_argument("--processes", type=int, default=1, help="số tiến trình Streamlit tự khởi động (mặc định 1)")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="thư mục dữ liệu (mặc định bench/out/demo/data)")
    p.add_argument("--url", help="tải một máy chủ đang chạy (http://127.0.0.1:PORT), không tự khởi động")
    p.add_argument("--server-pids", default="", help="với --url: PID các tiến trình máy chủ để đo CPU, RSS")
    p.add_argument("--server-ports", default="", help="với --url: cổng các tiến trình máy chủ (tìm PID theo cổng)")
    p.add_argument("--timeout", type=float, default=60, help="giây tối đa của một lượt chạy trang (mặc định 60)")
    p.add_argument("--app-dir", type=Path, default=PROJECT,
                   help="thư mục mã nguồn chạy máy chủ (mặc định dự án này; ví dụ một bản `git archive HEAD` "
                        "khi cây làm việc đang được sửa)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--watch", action="store_true",
                   help="giữ việc theo dõi tệp của Streamlit (mặc định tắt: --server.fileWatcherType none)")
    p.add_argument("--no-warmup", action="store_true", help="không làm nóng máy chủ trước khi đo")
    p.add_argument("--no-deflate", action="store_true",
                   help="websocket không nén (trình duyệt xin permessage-deflate: mặc định có nén)")
    args = p.parse_args(argv)
    if not 1 <= args.viewers <= 1000 or not 1 <= args.processes <= 16 or not 1 <= args.rounds <= 1000:
        p.error("--viewers 1..1000, --processes 1..16, --rounds 1..1000")
    return args


def ensure_data(data_dir: Path) -> Path:
    data_dir = data_dir.resolve()
    if not (data_dir / "warehouse").exists():
        if data_dir != DEFAULT_DATA.resolve():
            raise SystemExit(f"{data_dir}: không có kho dữ liệu")
        print("Chưa có dữ liệu demo: python bench/benchmark.py demo ...", flush=True)
        subprocess.run([sys.executable, str(PROJECT / "bench" / "benchmark.py"), "demo"], cwd=PROJECT, check=True,
                       timeout=900)
    return data_dir


async def main_async(args, servers: Servers) -> None:
    rng = random.Random(args.seed)
    pages = page_list()
    urls = [p for p, _ in pages]
    count = (0 if args.all_scopes else 1) if args.scenario == "cpu" else args.viewers
    viewers = make_viewers(args.data, count, servers.bases, urls, rng, proxied=bool(args.url))
    load = Client(args.timeout, deflate=not args.no_deflate)
    if args.scenario == "cpu":  # the first pass, discarded; the viewers stay on their websockets
        started, c0 = time.perf_counter(), servers.cpu()
        for v in viewers:
            for page in urls:
                r = await load.page(v, page, "warm")
                if r.error:
                    print(f"  (lượt đầu) {v.scope} /{page}: {r.error}")
        print(f"Lượt đầu qua mọi trang (không tính): {num(time.perf_counter() - started)} s, CPU máy chủ "
              f"{num((servers.cpu() - c0) / (len(urls) * len(viewers)) * 1000, 0)} ms một lượt")
    elif not args.no_warmup:
        warmers = make_viewers(args.data, len(servers.bases), servers.bases, urls, rng, bool(args.url), quiet=True)
        if args.url and len(servers.pids) > 1:
            # behind a proxy: one warming viewer per process, told apart by the process that answered its GET
            candidates = make_viewers(args.data, 4 * len(servers.pids), servers.bases, urls, rng, True, quiet=True)
            seen = {}
            for v in candidates:
                seen.setdefault(v.upstream, v)
            warmers = list(seen.values()) if "" not in seen else candidates[:len(servers.pids)]
        await warm(load, servers, warmers, urls)
    if args.scenario == "soak":
        print(f"RSS máy chủ lúc đầu: {num(servers.rss() / 2**20, 0)} MiB", flush=True)
    load0, rss0, gen = load_avg(), servers.rss(), psutil.Process()
    g0, c0, t0 = sum(gen.cpu_times()[:2]), servers.cpu(), time.perf_counter()
    each0 = {pid: servers.cpu(pid) for pid in servers.pids}
    print(f"Bắt đầu {args.scenario}: {len(viewers)} người xem, tải máy {load0}", flush=True)
    if args.scenario == "cpu":
        budget = args.rounds * len(urls) * args.timeout * 2 + 60
        await asyncio.wait_for(scenario_cpu(args, load, servers, viewers, pages), budget)
    elif args.scenario == "burst":
        budget = (args.clicks + 2) * args.timeout + 30
        await asyncio.wait_for(scenario_burst(args, load, servers, viewers, pages), budget)
    elif args.scenario == "sessions":
        await asyncio.wait_for(scenario_sessions(load, servers, viewers), 4 * args.timeout + 60)
    else:
        seconds = args.duration if args.scenario == "human" else args.minutes * 60
        monitor = soak_monitor(load, servers, t0) if args.scenario == "soak" else None
        await asyncio.wait_for(scenario_human(args, load, servers, viewers, pages, seconds, monitor),
                               seconds + args.timeout + 30)
    wall = time.perf_counter() - t0
    report(args, load, servers, wall, servers.cpu() - c0, sum(gen.cpu_times()[:2]) - g0, rss0, servers.rss(),
           load0, {pid: servers.cpu(pid) - c for pid, c in each0.items()})


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    args.app_dir = args.app_dir.resolve()
    if not (args.app_dir / "dashboard.py").exists():
        raise SystemExit(f"{args.app_dir}: không có dashboard.py")
    sys.path.insert(0, str(args.app_dir))  # the page list and the accounts' scopes as that code has them
    args.data = ensure_data(args.data)
    servers = Servers()

    def stop_on_signal(signum, _frame):
        raise KeyboardInterrupt(f"tín hiệu {signum}")

    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGINT, stop_on_signal)
    try:
        if args.url:
            base = loopback_only(args.url)
            servers.bases = [base]
            ports = [int(x) for x in args.server_ports.split(",") if x.strip()]
            pids = [int(x) for x in args.server_pids.split(",") if x.strip()]
            servers.pids = pids or listening_pids(ports or [urllib.parse.urlsplit(base).port or 80])
            if not servers.pids:
                print("(không tìm thấy tiến trình máy chủ: CPU và RSS máy chủ sẽ là 0; dùng --server-pids)")
        else:
            started = time.perf_counter()
            servers.start(args.processes, args.data, args.app_dir, args.watch)
            servers.wait_healthy()
            print(f"Đã khởi động {args.processes} máy chủ ({', '.join(servers.bases)}) trong "
                  f"{num(time.perf_counter() - started, 1)} s", flush=True)
        asyncio.run(main_async(args, servers))
    except KeyboardInterrupt:
        print("\nĐã dừng.", file=sys.stderr)
        return 130
    finally:
        servers.stop()
        end_sessions()
    return 0


def end_sessions() -> None:
    """Sign the bench's viewers out (their sessions would otherwise idle out after 8 hours)."""
    store = next((x for x in OPENED if not isinstance(x, str)), None)
    for token in (x for x in OPENED if isinstance(x, str)):
        try:
            store.end_session(token, "127.0.0.1")
        except Exception as e:  # noqa: BLE001 — best effort, the figures are printed already
            print(f"(không đóng được phiên: {e})", file=sys.stderr)
            break


if __name__ == "__main__":
    sys.exit(main())
