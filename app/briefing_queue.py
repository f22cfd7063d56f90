"""Briefings' packs made out of the server process, one at a time: the page "Giao ban" (pages/11_Giao_ban.py) records
a request in the state database (app.state: briefing_packs, the queue, in order of request) and starts a worker,
`python -m app.briefing_queue`, in a process of its own; the worker holds the queue's lock (an flock on
<data_dir>/briefings/queue.lock, released by the kernel if it dies), makes every queued pack with app.briefing.build_pack
on the briefing's snapshot and as-of date, and exits when the queue is empty. A worker started while another holds the
lock exits at once: the holder takes the new request (it looks again after letting go of the lock).

The PDF is cached on disk by snapshot, scope and as-of date (<data_dir>/briefings/<snapshot>/<yyyymmdd>_<scope>.pdf):
a request the cache answers is done at once, without a worker, and says when the file was made and for whom (the
audit of its generation). The page polls the request's status while it waits.

The command line also attaches a pack to a briefing the night before (cron): the same request as the page's (the
briefing's packs, the cache, the queue), for an explicit account, within that account's scope on the briefing's
snapshot, made in that process under the queue's lock (or waiting for the worker that holds it); refusals audited as
the pages' are (scope_refused), the generation as the worker's (briefing_pack_generated). Exit codes in CLI_HELP.

    python -m app.briefing_queue [--data-dir THƯ_MỤC]                                 the worker
    python -m app.briefing_queue --briefing N --login L [--district MÃ] [--data-dir THƯ_MỤC]
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path

from app import formatting as F
from app.state import Briefing, Pack, State, briefing_write_allowed  # noqa: F401  (the page asks who may create)
from etl.settings import Settings

PROJECT = Path(__file__).resolve().parent.parent
WHOLE = "tinh"  # the scope key of the whole province
WAITING = ("queued", "running")
POLL_S = 2.0  # how often the page looks at a request it waits for


def folder(settings: Settings) -> Path:
    return settings.data_dir / "briefings"


def state_of(settings: Settings) -> State:
    return State(settings.data_dir / "state" / "state.sqlite3")


def scope_key(scope: tuple[str, ...], whole: bool) -> str:
    return WHOLE if whole else "+".join(sorted(scope))


def pack_file(snapshot: str, as_of: dt.date, key: str, since: int | None = None) -> str:
    """The cache's file of a pack, relative to the data directory: by snapshot, as-of date, scope and the briefing its
    part "since the last briefing" compares with (`since`, app.changes.last_briefing; None: none before it)."""
    after = f"_sau{since}" if since is not None else ""
    return f"briefings/{Path(snapshot).stem}/{as_of:%Y%m%d}_{key.replace('+', '-')}{after}.pdf"


def download_name(briefing: Briefing, pack: Pack) -> str:
    return f"giao_ban_{briefing.held_on:%Y%m%d}_{pack.scope_key.replace('+', '-')}.pdf"


# --- what the page asks -----------------------------------------------------------------------------------------

def snapshot_name(snapshot: str) -> str:
    """The snapshot's file name, as a briefing records it."""
    return Path(snapshot).name


def default_label(held_on: dt.date) -> str:
    return f"Giao ban BCĐ tỉnh {F.date(held_on)}"


def create(settings: Settings, account, snapshot: str, province_code: str, as_of: dt.date, held_on: dt.date,
           label: str, address: str | None) -> Briefing:
    """A briefing on the served snapshot and the viewer's as-of date (its snapshot pinned: app.state)."""
    if held_on is None:
        raise ValueError("Cần ngày họp")
    store = state_of(settings)
    number = store.briefing_create(login=account.login, address=address, province_code=province_code,
                                   held_on=held_on, label=(label or "").strip() or default_label(held_on),
                                   as_of=as_of, snapshot=snapshot_name(snapshot))
    return store.briefing(number)


def listing(settings: Settings, province_code: str) -> dict[int, str]:
    """The province's briefings, newest first: {id: how the list names it}."""
    return {b.id: f"{b.label} — họp ngày {F.date(b.held_on)}, số liệu đến ngày {F.date(b.as_of)}"
            for b in state_of(settings).briefings(province_code)}


def briefing(settings: Settings, number: int) -> Briefing:
    return state_of(settings).briefing(number)


def about(found: Briefing, served: str) -> str:
    text = (f"Tạo lúc {F.datetime(found.created_at)} bởi {found.created_by}; số liệu đến ngày {F.date(found.as_of)}, "
            f"bản dữ liệu {found.snapshot} (được giữ lại")
    return text + ("; đang dùng)." if Path(served).name == found.snapshot else
                   "; không phải bản đang dùng: tài liệu vẫn lấy số liệu từ bản của buổi giao ban).")


def scopes(snapshot: str, scope: tuple[str, ...]) -> dict[str, tuple]:
    """The packs a viewer may ask for, within their scope: {key: (name, districts, whole)} — the whole scope (the
    province, or a member's districts), then each of its districts when there are several."""
    from app import queries as q

    found = q.districts(snapshot, scope)
    names = dict(zip(found["district_code"], found["district_name"], strict=True))
    codes = tuple(sorted(scope))
    if len(scope) == len(q.all_districts(snapshot)):
        first = {WHOLE: ("Toàn tỉnh", codes, True)}
    elif len(codes) == 1:
        first = {codes[0]: (names.get(codes[0], codes[0]), codes, False)}
    else:
        first = {scope_key(codes, False): ("Các huyện được phân công: " + ", ".join(names.get(c, c) for c in codes),
                                           codes, False)}
    more = {c: (names.get(c, c), (c,), False) for c in codes} if len(codes) > 1 else {}
    return first | more


def request(settings: Settings, found: Briefing, key: str, choice: tuple, login: str, address: str | None,
            start: bool = True) -> Pack:
    """The pack of `found` for a scope of `scopes()`: the one already made or asked for; else the cache's file (made
    for another briefing on the same snapshot, scope and date), recorded done at once; else a new request, and a
    worker started (unless `start` is False: the command line makes it itself)."""
    name, districts, _ = choice
    store = state_of(settings)
    from app import changes as C

    since = C.last_briefing(settings, found.province_code, before_briefing=found.id, ask=False).briefing_id
    file = pack_file(found.snapshot, found.as_of, key, since)
    path = settings.data_dir / file
    known = store.pack(found.id, key)
    if known is not None and known.status in WAITING:
        if start:
            start_worker(settings)
        return known
    if path.exists():
        if known is not None and known.status == "done":
            return known
        info = path.stat()
        return store.pack_request(found.id, key, name, districts, file, login, address,
                                  made_at=dt.datetime.fromtimestamp(info.st_mtime), size=info.st_size)
    pack = store.pack_request(found.id, key, name, districts, file, login, address, again=True)
    if start:
        start_worker(settings)
    return pack


def pack_of(settings: Settings, number: int, key: str) -> Pack | None:
    return state_of(settings).pack(number, key)


def waiting(pack: Pack | None) -> bool:
    return pack is not None and pack.status in WAITING


def keep_waiting(settings: Settings, pack: Pack) -> None:
    """The page's poll: a request still queued with no worker holding the lock (one killed, or one that met a
    probe of this function) gets a worker again."""
    if waiting(pack) and not busy(settings):
        start_worker(settings)


def made_for(settings: Settings, pack: Pack) -> str | None:
    """Who the pack's file was first generated for (the audit of its generation: a pack the cache answered was made
    for an earlier request, perhaps of another briefing on the same snapshot, scope and date); None if not recorded."""
    if pack.status != "done":
        return None
    made = [e for e in state_of(settings).audit_log(event="briefing_pack_generated")
            if (e["detail"] or {}).get("file") == pack.file]
    return made[-1]["login"] if made else None  # newest first: the last is the first generation


def status_text(pack: Pack, first: str | None = None) -> str:
    """The pack's state in a sentence; `first`: who its file was generated for (made_for)."""
    if pack.status == "done":
        who = f" cho {first}" if first else ""
        return (f"Tài liệu {pack.scope_name}: tạo lúc {F.datetime(pack.generated_at)}{who}, "
                f"{F.num(pack.bytes / 1024, 0)} KB.")
    if pack.status == "failed":
        return f"Không tạo được tài liệu {pack.scope_name}: {pack.error}"
    return f"Đang tạo tài liệu {pack.scope_name}… (yêu cầu lúc {F.datetime(pack.requested_at)})"


def packs_table(settings: Settings, number: int, scope: tuple[str, ...]):
    """The briefing's packs within the viewer's scope, for W.table."""
    import pandas as pd

    from app.state import PACK_STATUS

    rows = [(p.scope_name, PACK_STATUS[p.status], p.requested_by, p.requested_at, p.generated_at,
             made_for(settings, p), p.bytes)
            for p in state_of(settings).packs(number) if set(p.districts) <= set(scope)]
    frame = pd.DataFrame(rows, columns=["scope_name", "status", "requested_by", "requested_at", "generated_at",
                                        "generated_for", "bytes"])
    return frame.assign(kb=(frame["bytes"] / 1024).round(0)).drop(columns="bytes")


def pdf_bytes(settings: Settings, pack: Pack) -> bytes | None:
    """The pack's PDF, to show in the page (the record of what the briefing showed); None if its file is gone."""
    try:
        return (settings.data_dir / pack.file).read_bytes()
    except FileNotFoundError:
        return None


def pdf_writer(settings: Settings, pack: Pack, audit: dict | None):
    """The PDF's bytes when its button is clicked, the download audited as the tables' are (app.widgets)."""
    path = settings.data_dir / pack.file

    def written() -> bytes:
        data = path.read_bytes()
        if audit:
            State(Path(audit["state"])).audit("download", audit["login"], audit["address"], {
                "file": pack.file, "scope": pack.scope_name, "snapshot": audit["snapshot"]})
        return data
    return written


# --- the worker -------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _lock(settings: Settings) -> Iterator[bool]:
    path = folder(settings) / "queue.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def busy(settings: Settings) -> bool:
    """Whether a worker holds the queue (asked by taking the lock for an instant)."""
    with _lock(settings) as held:
        return not held


def start_worker(settings: Settings) -> subprocess.Popen:
    """`python -m app.briefing_queue` in a process of its own (its output appended to briefings/queue.log); a thread
    waits for it, so that no finished worker lingers as a zombie of the server."""
    log = folder(settings) / "queue.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        worker = subprocess.Popen([sys.executable, "-m", "app.briefing_queue", "--data-dir", str(settings.data_dir)],
                                  cwd=PROJECT, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                  start_new_session=True)
    threading.Thread(target=worker.wait, daemon=True).start()
    return worker


def _rebuilt(settings, name: str) -> Path:
    """The copy of an older model version's snapshot rebuilt with today's definitions (etl.copies), from exactly the
    files it had; until it is ready its build is started (out of this process) and the pack refused, saying so."""
    from app.briefing import Refused
    from etl import copies

    copy = copies.comparable(settings, name)
    if copy is None:
        copies.request(settings, name)
        raise Refused(f"{copies.status(settings, name)} Tài liệu sẽ được tạo từ bản dựng lại: yêu cầu lại khi bản "
                      "dựng lại xong.")
    return copy


def run_queue(settings: Settings) -> int:
    """Make every queued pack, in order, while holding the queue's lock; how many were made. 0 at once when another
    worker holds it."""
    store = state_of(settings)
    made = 0
    while True:
        with _lock(settings) as held:
            if not held:
                return made
            store.pack_requeue_running()  # the lock is ours: a 'running' request is a killed worker's
            while (pack := store.pack_claim()) is not None:
                made += make(settings, store, pack)
        if not store.packs_waiting():  # a request that came while the lock was let go is taken now
            return made


def make(settings: Settings, store: State, pack: Pack) -> int:
    """One pack: its file written whole (unless the cache has it), the request done and audited; or failed, with the
    reason in Vietnamese."""
    from app import changes as C
    from app import queries as q
    from app.briefing import Refused, build_pack
    from etl.snapshots import snapshots_dir
    from etl.version import MODEL_VERSION

    found = store.briefing(pack.briefing_id)
    path = settings.data_dir / pack.file
    try:
        if not path.exists():
            snapshot = snapshots_dir(settings) / found.snapshot
            if not snapshot.exists():
                raise Refused(f"bản dữ liệu {found.snapshot} không còn trên máy chủ")
            if q.snapshot_version(str(snapshot)) != MODEL_VERSION:  # read through its copy rebuilt with today's code
                snapshot = _rebuilt(settings, found.snapshot)
            since = C.last_briefing(settings, found.province_code, before_briefing=found.id)
            pdf = build_pack(str(snapshot), pack.districts, found.as_of, requested_by=pack.requested_by, since=since)
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.dang-ghi")
            partial.write_bytes(pdf)
            os.replace(partial, path)  # the page (or a second request) never sees half a file
    except Exception as error:  # noqa: BLE001 — recorded for the page; the queue goes on
        traceback.print_exc()
        store.pack_failed(pack, str(error) if isinstance(error, Refused) else f"lỗi khi tạo tài liệu ({error})")
        return 0
    info = path.stat()
    store.pack_done(pack, dt.datetime.fromtimestamp(info.st_mtime), info.st_size, {
        "briefing": found.id, "scope": pack.scope_name, "districts": list(pack.districts), "as_of": F.date(found.as_of),
        "snapshot": found.snapshot, "file": pack.file, "bytes": info.st_size})
    return 1


CLI_HELP = """\
Không có --briefing: tạo lần lượt các tài liệu giao ban (PDF) đang chờ trong hàng đợi (trang «Giao ban» tự chạy).

Với --briefing: tạo tài liệu của một buổi giao ban cho một tài khoản (cron, tối trước buổi giao ban) và ghi vào danh
sách tài liệu của buổi giao ban như trên trang: cả phạm vi của tài khoản (tính trên bản dữ liệu của buổi giao ban) hoặc
một huyện trong đó (--district). Tài liệu đã có (cùng bản dữ liệu, phạm vi, ngày số liệu, buổi giao ban trước để so
sánh) được dùng lại ngay; nếu chưa có thì được tạo trong lệnh này. Mỗi lần tạo và mỗi yêu cầu ngoài phạm vi được ghi vào nhật ký. Ví dụ cron:
  0 21 * * 0  cd /srv/bcd && .venv/bin/python -m app.briefing_queue --briefing 12 --login bcd.tinh --district 243

Thư mục dữ liệu: --data-dir, nếu không có thì $COVID_DATA_DIR, nếu không có thì ./data.
Mã thoát: 0 tài liệu đã có (vừa tạo hoặc dùng lại); 1 không tạo được (lý do trên stderr); 2 dùng sai lệnh hoặc bị
từ chối (tài khoản, buổi giao ban, phạm vi; lý do trên stderr); 3 quá thời gian chờ (--wait giây): yêu cầu vẫn ở trong
hàng đợi và sẽ được tạo.
"""
EXIT_DONE, EXIT_FAILED, EXIT_REFUSED, EXIT_WAITING = 0, 1, 2, 3


def main(argv: list[str] | None = None) -> int:
    from app.briefing import Refused
    from etl.argparse_vi import vietnamese_argparse
    from etl.settings import load_settings

    with vietnamese_argparse():
        p = argparse.ArgumentParser(prog="python -m app.briefing_queue", description=CLI_HELP,
                                    formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--data-dir", metavar="THƯ_MỤC",
                       help="thư mục dữ liệu (mặc định $COVID_DATA_DIR, nếu không có thì ./data)")
        p.add_argument("--briefing", type=int, metavar="SỐ", help="số của buổi giao ban (trang «Giao ban»)")
        p.add_argument("--login", metavar="TÊN_ĐĂNG_NHẬP",
                       help="tài khoản yêu cầu tài liệu: phạm vi của tài khoản được áp dụng và được ghi vào nhật ký")
        p.add_argument("--district", metavar="MÃ", help="chỉ một huyện (mã GSO), trong phạm vi của tài khoản")
        p.add_argument("--wait", type=float, default=3600.0, metavar="GIÂY",
                       help="chờ tối đa bao lâu khi hàng đợi đang tạo tài liệu khác (mặc định 3600)")
        args = p.parse_args(argv)
        if args.briefing is None and (args.login or args.district):
            p.error("--login và --district chỉ dùng cùng --briefing")
        if args.briefing is not None and not args.login:
            p.error("--briefing cần --login (tài khoản yêu cầu tài liệu)")
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    settings = load_settings(args.data_dir)
    if args.briefing is None:
        made = run_queue(settings)
        print(f"{dt.datetime.now():%Y-%m-%d %H:%M:%S} đã tạo {made} tài liệu giao ban", flush=True)
        return 0
    try:
        from app.briefing_cron import attach

        pack = attach(settings, args.briefing, args.login, args.district, args.wait)
    except Refused as refusal:
        print(f"{p.prog}: lỗi: {refusal}", file=sys.stderr, flush=True)
        return EXIT_REFUSED
    if pack.status == "done":
        print(f"{status_text(pack, made_for(settings, pack))} Tệp: {settings.data_dir / pack.file}", flush=True)
        return EXIT_DONE
    print(status_text(pack), file=sys.stderr if pack.status == "failed" else sys.stdout, flush=True)
    return EXIT_FAILED if pack.status == "failed" else EXIT_WAITING


if __name__ == "__main__":
    sys.exit(main())
