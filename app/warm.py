"""The warm-up of the caches: after the servers start and after each publication, every page of the dashboard is drawn
once in every server process for every distinct scope that has an account, before viewers open them.

Why: the caches (query results, app/memo.py; built tables and charts, app/replay.py) are per process and keyed by the
snapshot, so right after a start or a new snapshot every viewer's first pages are built for the first time (about 240
ms of server CPU a page against 33 ms warm): fifty viewers opening pages in the same second then waited over 4 s.

How: real Streamlit sessions (app/wsclient.py, the protocol bench/load.py measures with) on each server process
directly, not through the proxy, so that every process warms; one page run at a time per process (a live viewer's
run waits for at most one of them), pausing while viewers keep the process busy, the processes side by side. A scope is what an account sees: the whole province
(committee, health, administrators), a member's districts, a district; each distinct one is drawn once, with the
session of an account that has it. Those sessions are opened in the state database under WARM_ADDRESS without any
password or sign-in (nothing is audited), and deleted when the warm-up ends (leftovers of one that was killed, at the
next). Meanwhile viewers keep the previous snapshot (app/published.py, for two minutes at most).

Run by the launcher (`python3 -m app.launcher`) for its own server processes, or by systemd beside the units
(`python -m app.warm --ports 8701,8702`, deploy/systemd/covid-dashboard-warm.service).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from app.published import BEAT_SECONDS, WARM_HEADER, warm_status_path
from etl.settings import Settings, load_settings
from etl.snapshots import current_name, snapshots_dir

WARM_ADDRESS = "hệ thống: làm nóng bộ nhớ đệm"  # the sessions' address in the state database (not a viewer's)
POLL_SECONDS = 1.0  # CURRENT and the servers' health are looked at this often
FIRST_GRACE_SECONDS = 5.0  # see _first
RUN_TIMEOUT = 120.0  # seconds a page run may take (the first of a national warehouse's pages is slow)
# A run twice as slow as the fastest of its page (and over a third of a second) means viewers are running pages in the
# process too: the warm-up then pauses as long as that run took (5 s at most), so that it takes at most about half of
# what viewers leave of the process while they click.
YIELD_SLOWER, YIELD_ABOVE, YIELD_MAX = 2.0, 0.3, 5.0


def say(line: str) -> None:
    print(f"[làm nóng] {line}", flush=True)


def _seconds(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _count(value: int) -> str:
    return f"{value:,}".replace(",", ".")


@dataclass(frozen=True)
class Target:
    """A scope to draw, and the account whose session draws it."""
    kind: str  # "province" (the roles that see every district), "member" or "district"
    scope: tuple[str, ...]
    login: str


def targets(settings: Settings, snapshot: str) -> list[Target]:
    """One Target per distinct (kind, scope) that an enabled account sees in `snapshot` (an account whose issued
    password is still to change draws the change form, not pages: left out). The roles that see every district share
    one kind: their pages are drawn from the same cached results. Administrators draw only if no one else has it."""
    from app import signin

    found: dict[tuple, Target] = {}
    accounts = sorted(signin.state_of(settings).accounts(), key=lambda a: (a.role == "admin", a.login))
    for account in accounts:
        if account.disabled or account.must_change_password:
            continue
        scope = signin.scope_of(account, snapshot)
        if scope:
            kind = "province" if account.role in signin.WHOLE_PROVINCE else account.role
            found.setdefault((kind, tuple(scope)), Target(kind, tuple(scope), account.login))
    order = {"province": 0, "member": 1}
    return sorted(found.values(), key=lambda t: (order.get(t.kind, 2), t.scope))


def _quiet_streamlit() -> None:
    """Outside a server Streamlit warns on every cached call ('No runtime found'): errors only."""
    import streamlit.logger

    streamlit.logger.set_log_level("error")  # the loggers made so far, and those made later


def pages() -> list[str]:
    """The URL names of every page (app.frame.PAGES; the administrators' page is not drawn from the snapshot)."""
    from app.frame import PAGES
    from app.wsclient import url_pathname

    return [url_pathname(path) for path, _ in PAGES]


# A process is taken for restarted (its caches gone, to be warmed again) after this many health checks in a row go
# unanswered: a busy process (a page solving the allocation, a loaded machine) may miss one.
RESTART_MISSES = 3


def healthy(port: int, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=timeout) as resp:
            return resp.status == 200
    except OSError:
        return False


@dataclass
class Round:
    """One warm-up: the page runs of a snapshot's every scope in some server processes."""
    snapshot: str
    ports: list[int]
    scopes: int = 0
    pages: int = 0
    total: int = 0
    done: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        errors = f"{_count(len(self.errors))} lỗi (đầu tiên: {self.errors[0]})" if self.errors else "không lỗi"
        return (f"Đã làm nóng bộ nhớ đệm cho bản dữ liệu {self.snapshot}: {_count(self.done)}/{_count(self.total)} "
                f"trang ({self.pages} trang × {self.scopes} phạm vi × {len(self.ports)} tiến trình) trong "
                f"{_seconds(self.seconds)} giây, {errors}.")


class Status:
    """The status file the servers read (app/published.py): which snapshot is warm in every process, and a beat."""

    def __init__(self, settings: Settings):
        self.path = warm_status_path(settings)
        self.warm: str | None = None
        self.warming: str | None = None

    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"warm": self.warm, "warming": self.warming, "beat": time.time(),
                                   "pid": os.getpid()}), encoding="utf-8")
        os.replace(tmp, self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


async def warm_round(settings: Settings, ports: list[int], snapshot: str, echo: Callable[[str], None] = say,
                     stop: threading.Event | None = None, status: Status | None = None) -> Round:
    """Draw every page of `snapshot` (a file name under warehouse/snapshots, CURRENT's) for every Target, in every
    server process on 127.0.0.1:`ports`, one page run at a time per process."""
    from app import signin
    from app.wsclient import Client, Viewer

    _quiet_streamlit()
    started = time.monotonic()
    store = signin.state_of(settings)
    store.end_system_sessions(WARM_ADDRESS)  # left by a warm-up killed midway
    goals, names = targets(settings, str(snapshots_dir(settings) / snapshot)), pages()
    result = Round(snapshot, list(ports), len(goals), len(names), len(ports) * len(goals) * len(names))
    echo(f"Làm nóng bộ nhớ đệm cho bản dữ liệu {snapshot}: {_count(result.total)} trang ({len(names)} trang × "
         f"{len(goals)} phạm vi × {len(ports)} tiến trình, mỗi tiến trình một trang một lúc).")
    tokens = {t: store.new_session(t.login, WARM_ADDRESS) for t in goals}
    client = Client(timeout=RUN_TIMEOUT, deflate=False)
    step = max(1, result.total // 10)

    async def one_process(port: int) -> None:
        viewers = [Viewer(n, t.login, f"{t.kind} {'+'.join(t.scope)}", tokens[t], f"http://127.0.0.1:{port}",
                          headers={WARM_HEADER: "1"}) for n, t in enumerate(goals)]
        fastest: dict[str, float] = {}
        try:
            for page in names:  # the first page of every scope first: what viewers open first
                for v in viewers:
                    if stop is not None and stop.is_set():
                        return
                    run = await client.page(v, page, "warm")
                    if run.error:
                        result.errors.append(f"{port} {v.scope} /{page}: {run.error}")
                    else:
                        best = fastest[page] = min(fastest.get(page, run.seconds), run.seconds)
                        if run.seconds > max(YIELD_SLOWER * best, YIELD_ABOVE):
                            # slower than this page has been: viewers share the process now, so let them have it a
                            # while (the warm-up's run took its share of the interpreter from theirs)
                            await asyncio.sleep(min(run.seconds, YIELD_MAX))
                    result.done += 1
                    if result.done % step == 0 and result.done < result.total:
                        echo(f"làm nóng bộ nhớ đệm … {_count(result.done)}/{_count(result.total)} trang")
        finally:
            await asyncio.gather(*(client.close(v) for v in viewers))

    async def beat() -> None:
        while status is not None:
            await asyncio.sleep(BEAT_SECONDS)
            status.write()

    beating = asyncio.ensure_future(beat())
    try:
        await asyncio.gather(*(one_process(p) for p in ports))
    finally:
        beating.cancel()
        store.end_system_sessions(WARM_ADDRESS)
    result.seconds = time.monotonic() - started
    echo(result.summary())
    return result


def watch(settings: Settings, ports: list[int], stop: threading.Event, echo: Callable[[str], None] = say,
          once: bool = False) -> list[Round]:
    """Warm every process that answers whenever CURRENT names a snapshot it has not drawn yet (a start, a
    publication, a process restarted), until `stop` is set (or, `once`, after the first warm-up). The status file
    says meanwhile which snapshot is warm everywhere; it goes with the watch. Nothing that fails here stops the
    dashboard: it is told once, and the watch goes on."""
    status, warm_in, rounds, misses = Status(settings), {}, [], {}
    last_beat, failed = 0.0, ""
    try:
        while not stop.is_set():
            try:
                named = current_name(settings)
                up = [p for p in ports if healthy(p)]
                for port in ports:
                    misses[port] = 0 if port in up else misses.get(port, 0) + 1
                    if misses[port] >= RESTART_MISSES:
                        warm_in.pop(port, None)  # stopped or restarting: its caches are gone
                cold = [p for p in up if warm_in.get(p) != named]
                if named and cold and (snapshots_dir(settings) / named).exists() and not _first(settings, status):
                    status.warming = named
                    status.write()
                    try:
                        rounds.append(asyncio.run(warm_round(settings, cold, named, echo, stop, status)))
                    finally:  # drawn or not, viewers move on: the warm-up is over
                        warm_in.update(dict.fromkeys(cold, named))
                        status.warm, status.warming = named, None
                        status.write()
                        last_beat = time.monotonic()
                        if once:
                            stop.set()
                elif time.monotonic() - last_beat >= BEAT_SECONDS:
                    status.write()
                    last_beat = time.monotonic()
                failed = ""
            except Exception as error:  # noqa: BLE001 — see the docstring
                if f"{error}" != failed:
                    echo(f"Không làm nóng được bộ nhớ đệm ({type(error).__name__}: {error}); các trang vẫn chạy, "
                         "chỉ chậm hơn ở lượt mở đầu tiên.")
                failed = f"{error}"
            stop.wait(POLL_SECONDS)
    finally:
        status.remove()
    return rounds


def _first(settings: Settings, status: Status) -> bool:
    """A first snapshot, published a moment ago where none was served (a first start's demo build): the pages that
    waited for it are drawn first, the warm-up a few seconds later (nothing warm to hold viewers on meanwhile)."""
    try:
        published = (settings.warehouse / "CURRENT").stat().st_mtime
    except OSError:
        return False
    return status.warm is None and not status.warming and time.time() - published < FIRST_GRACE_SECONDS


class Warmer:
    """watch() in a thread of the launcher, stopped with its child processes (app.launcher.stop_all: it has their
    poll, terminate, wait and kill). It never ends the dashboard: poll() is None until it is told to stop."""

    def __init__(self, settings: Settings, ports: list[int]):
        self.stop = threading.Event()
        self.thread = threading.Thread(target=watch, args=(settings, ports, self.stop), name="warm", daemon=True)
        self.thread.start()
        self.returncode = None

    def poll(self) -> int | None:
        return 0 if self.stop.is_set() and not self.thread.is_alive() else None

    def terminate(self) -> None:
        self.stop.set()

    def wait(self, timeout: float | None = None) -> int | None:
        self.thread.join(timeout)
        return self.poll()

    def kill(self) -> None:
        self.stop.set()  # a thread cannot be killed; it is a daemon, gone with the launcher


def main(argv: list[str] | None = None) -> int:
    import signal

    from etl.argparse_vi import vietnamese_argparse

    with vietnamese_argparse():
        parser = argparse.ArgumentParser(
            prog="python -m app.warm",
            description="Làm nóng bộ nhớ đệm của các tiến trình máy chủ bảng điều hành: sau khi khởi động và sau mỗi "
                        "lần công bố bản dữ liệu, vẽ trước mọi trang cho mọi phạm vi có tài khoản.")
        parser.add_argument("--data-dir", metavar="THƯ_MỤC",
                            help="thư mục dữ liệu (mặc định $COVID_DATA_DIR hoặc ./data)")
        parser.add_argument("--ports", required=True, metavar="CỔNG,CỔNG",
                            help="cổng nội bộ của các tiến trình máy chủ trên 127.0.0.1, như trong Caddyfile")
        parser.add_argument("--once", action="store_true", help="làm nóng một lần cho bản dữ liệu hiện tại rồi thoát")
        args = parser.parse_args(argv)
        try:
            ports = [int(p) for p in args.ports.split(",") if p.strip()]
        except ValueError:
            parser.error("--ports: các số cổng cách nhau bằng dấu phẩy, ví dụ 8701,8702")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        rounds = watch(load_settings(args.data_dir), ports, stop, once=args.once)
    except KeyboardInterrupt:
        return 0
    return 1 if args.once and (not rounds or rounds[-1].errors) else 0


if __name__ == "__main__":
    raise SystemExit(main())

