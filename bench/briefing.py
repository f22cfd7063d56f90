"""Benchmark of the briefing pack (issue 15): prints its figures, asserts nothing.

    python bench/briefing.py [--data-dir bench/out/demo/data] [--runs 3] [--out bench/out/briefing]

1. The command line end to end, as cron runs it (a new process: imports, the account's scope, the queries, the maps,
   Typst, the audit entry): the province's pack (account `bcd`), one district's (`huyen`) and a member's districts
   (the first member of the demo's assignments). Targets on 2 cores: province ≤ 10 s, district ≤ 5 s; the province's
   PDF ≤ 5 MB.
2. In one process, `build_pack` cold (query cache emptied) and warm, split into drawing the document (queries, maps,
   chart) and Typst's compilation, median of --runs.

The demo's data directory must be built by this version of the ETL (`python -m etl run --data-dir DIR --rebuild`
after an upgrade); the accounts are created in its state database if missing. The PDFs are left in --out to look at.
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import briefing, memo  # noqa: E402
from app import queries as q  # noqa: E402
from app.briefing_template import compile_pdf  # noqa: E402
from app.formatting import num  # noqa: E402
from app.signin import scope_of  # noqa: E402
from app.state import open_state  # noqa: E402
from etl.settings import load_settings  # noqa: E402
from etl.version import MODEL_VERSION  # noqa: E402

TARGETS = {"bench.bcd": 10.0, "bench.huyen.243": 5.0}


def pages(pdf: bytes) -> int:
    import io

    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def command_line(data_dir: Path, out: Path, logins: list[str]) -> None:
    print("== Dòng lệnh, mỗi lần một tiến trình mới (python -m app.briefing)")
    for login in logins:
        target = out / f"giao_ban_{login}.pdf"
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "app.briefing", "--data-dir", str(data_dir), "--login", login,
                               "--out", str(target)], cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if done.returncode:
            print(f"  {login}: lỗi {done.returncode}: {done.stderr.strip()}")
            continue
        pdf = target.read_bytes()
        goal = TARGETS.get(login)
        print(f"  {login:>16}: {num(wall, 2)} s" + (f" (mục tiêu ≤ {num(goal, 0)} s)" if goal else "")
              + f", {num(len(pdf) / 2**20, 2)} MB (mục tiêu ≤ 5 MB), {pages(pdf)} trang — {target}")


def in_process(data_dir: Path, logins: list[str], runs: int) -> None:
    settings = load_settings(data_dir)
    snapshot = q.snapshot_path(settings)
    store = open_state(settings)
    as_of = q.snapshot_meta(snapshot, q.all_districts(snapshot))["last_date"].date()
    print(f"\n== build_pack trong một tiến trình, trung vị của {runs} lần (ngày {as_of:%d/%m/%Y})")
    for login in logins:
        scope = scope_of(store.account(login), snapshot)
        cold, draw, typeset = [], [], []
        for _ in range(runs):
            memo.clear()
            started = time.perf_counter()
            doc = briefing.document(briefing.pack_of(snapshot, scope, as_of), dt.datetime.now(), login)
            drawn = time.perf_counter()
            pdf = compile_pdf(doc)
            ended = time.perf_counter()
            cold.append(ended - started)
            draw.append(drawn - started)
            typeset.append(ended - drawn)
        warm = []
        for _ in range(runs):
            started = time.perf_counter()
            briefing.build_pack(snapshot, scope, as_of, requested_by=login)
            warm.append(time.perf_counter() - started)
        svg = sum(len(b["svg"]) for b in doc["blocks"] if b["kind"] == "svg")
        print(f"  {login:>16} ({num(len(scope))} huyện): lạnh {num(statistics.median(cold), 2)} s = dựng "
              f"{num(statistics.median(draw), 2)} s + Typst {num(statistics.median(typeset), 2)} s; ấm "
              f"{num(statistics.median(warm), 2)} s; {num(len(doc['blocks']))} khối, SVG {num(svg / 1024, 0)} KB, "
              f"PDF {num(len(pdf) / 1024, 0)} KB")


def main() -> None:
    parser = argparse.ArgumentParser(description="Đo thời gian tạo báo cáo giao ban trên dữ liệu mẫu.")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench/out/demo/data")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/out/briefing")
    args = parser.parse_args()
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    settings = load_settings(args.data_dir)
    snapshot = q.snapshot_path(settings)
    if snapshot is None or q.snapshot_version(snapshot) != MODEL_VERSION:
        print(f"Bản dữ liệu của {args.data_dir} không do phiên bản này dựng: chạy `python -m etl run --data-dir "
              f"{args.data_dir} --rebuild` trước.")
        return
    store = open_state(settings)
    member = q.member_logins(snapshot, q.all_districts(snapshot))[:1]
    accounts = [("bench.bcd", "committee", None), ("bench.huyen.243", "district", "243"),
                *((login, "member", None) for login, _ in member)]
    for login, role, district in accounts:
        if store.account(login) is None:
            store.create_account(login, f"Đo thời gian ({role})", role, district, "mat-khau-do-thoi-gian", chosen=True)
    logins = [login for login, _, _ in accounts]
    args.out.mkdir(parents=True, exist_ok=True)
    command_line(args.data_dir, args.out, logins)
    in_process(args.data_dir, logins, args.runs)


if __name__ == "__main__":
    main()
