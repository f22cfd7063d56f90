"""Benchmarks that print their figures (speed targets are measured here, never by timed tests).

    python bench/benchmark.py demo        demo build (inbox generation excluded)       target ≤ 15 s
    python bench/benchmark.py national    all 10,599 communes × 730 days × 3 cohorts × 4 doses (≈ 93 M platform
                                          rows; generation excluded): build ≤ 3 min and ≤ 6 GB peak; three named
                                          queries ≤ 50 ms each
    python bench/benchmark.py queries --data-dir DIR   only the named queries, on an existing warehouse
    python bench/benchmark.py first-start [--runs N]   from launching `python3 -m app.launcher` on an empty data
                                          directory to the overview's figures drawn in Debian's chromium (the
                                          browser opens the page as soon as the server answers)   target ≤ 20 s
    python bench/benchmark.py vnencoding  legacy-font conversion of every cell of a 1.400-cell sheet  target ≤ 2 s

Work files go to bench/out/ (git-ignored) unless --work DIR is given.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import psutil

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from etl import snapshots as S  # noqa: E402
from etl.settings import load_settings, save_province  # noqa: E402


def peak_rss_of(cmd: list[str], env: dict) -> tuple[int, float, int, str]:
    """Run a command; return (exit code, seconds, peak resident bytes of it and its children, last output line)."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=PROJECT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        ps = psutil.Process(proc.pid)
        while not stop.is_set():
            try:
                rss = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
                peak = max(peak, rss)
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    last = ""
    for line in proc.stdout:
        last = line.rstrip() or last
        if line.startswith("== ") or "TỪ CHỐI" in line or "LỖI" in line:
            print("   ", line.rstrip(), flush=True)
    code = proc.wait()
    stop.set()
    sampler.join()
    return code, time.monotonic() - started, peak, last


def generate_national(inbox: Path, days: int = 730) -> int:
    """Platform exports for every commune of Viet Nam, one CSV a month, written by DuckDB (fast), and populations."""
    units = PROJECT / "data/reference/units_gso_2021.csv"
    (inbox / "platform").mkdir(parents=True, exist_ok=True)
    (inbox / "population").mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"CREATE TABLE communes AS SELECT ward_code AS code FROM read_csv('{units}', all_varchar=true)")
    con.execute(f"""
        COPY (SELECT code AS "Mã xã", v.version AS "Phiên bản", 10000 AS "Tổng dân số", 7000 AS "Từ 18 tuổi",
                     900 AS "12-17 tuổi", 1100 AS "5-11 tuổi", 'Tổng hợp (benchmark)' AS "Nguồn"
              FROM communes CROSS JOIN (VALUES ('đầu kỳ'), ('hiện có')) v(version))
        TO '{inbox / "population/dan_so.csv"}' (HEADER)""")
    months = con.execute(f"""
        SELECT DISTINCT strftime(d, '%Y-%m') FROM (
          SELECT unnest(generate_series(DATE '2021-03-01', DATE '2021-03-01' + INTERVAL {days - 1} DAY, INTERVAL 1 DAY)) AS d)
        ORDER BY 1""").fetchall()
    rows = 0
    for (month,) in months:
        target = inbox / f"platform/xuat_nen_tang_{month}.csv"
        con.execute(f"""
            COPY (
              WITH days AS (
                SELECT unnest(generate_series(DATE '2021-03-01', DATE '2021-03-01' + INTERVAL {days - 1} DAY, INTERVAL 1 DAY))::DATE AS d
              )
              SELECT c.code AS "Mã xã", strftime(days.d, '%d/%m/%Y') AS "Ngày tiêm", k.cohort AS "Nhóm tuổi", k.dose AS "Mũi",
                     'Pfizer' AS "Vắc xin", (hash(c.code, days.d, k.cohort, k.dose) % 7)::INTEGER AS "Số mũi"
              FROM days, communes c,
                   (SELECT * FROM (VALUES ('18+'), ('12-17'), ('5-11')) a(cohort), (VALUES (1), (2), (3), (4)) b(dose)) k
              WHERE strftime(days.d, '%Y-%m') = '{month}'
            ) TO '{target}' (HEADER)""")
        n = con.execute(f"SELECT count(*) FROM read_csv('{target}')").fetchone()[0]
        rows += n
        print(f"  sinh {target.name}: {n:,} dòng", flush=True)
    return rows


def named_queries(snapshot: Path, repeats: int = 20) -> dict[str, float]:
    """Median milliseconds of the three queries the pages rely on at national scale."""
    con = duckdb.connect(str(snapshot), read_only=True)
    date = con.execute("SELECT max(as_of_date) FROM marts.coverage").fetchone()[0]
    district = con.execute("SELECT min(unit_code) FROM marts.coverage WHERE unit_level = 'district'").fetchone()[0]
    queries = {
        "bản đồ huyện (1 ngày, 1 nhóm tuổi, 1 mũi)": (
            "SELECT unit_code, people_vaccinated, population_start FROM marts.coverage "
            "WHERE unit_level = 'district' AND as_of_date = ? AND cohort = ? AND dose = ?", [date, "18+", 2]),
        "xu hướng 2 năm của 1 huyện": (
            "SELECT as_of_date, dose, people_vaccinated FROM marts.coverage "
            "WHERE unit_level = 'district' AND unit_code = ? AND cohort = ? ORDER BY as_of_date", [district, "18+"]),
        "bảng xã của 1 huyện (1 ngày)": (
            "SELECT unit_code, cohort, dose, people_vaccinated, population_start FROM marts.coverage "
            "WHERE unit_level = 'commune' AND district_code = ? AND as_of_date = ?", [district, date]),
    }
    out = {}
    for name, (sql, params) in queries.items():
        timings = []
        for _ in range(repeats):
            cur = con.cursor()
            t0 = time.perf_counter()
            cur.execute(sql, params).fetchall()
            timings.append((time.perf_counter() - t0) * 1000)
            cur.close()
        out[name] = statistics.median(timings)
    con.close()
    return out


def print_queries(snapshot: Path) -> None:
    for name, ms in named_queries(snapshot).items():
        print(f"  truy vấn {name}: trung vị {ms:.1f} ms (mục tiêu ≤ 50 ms)")


def cmd_national(args) -> int:
    work = Path(args.work or PROJECT / "bench/out/national")
    data = work / "data"
    settings = load_settings(data, province="00")
    if not args.reuse or not (settings.archive / "manifest.jsonl").exists():
        if data.exists():
            import shutil
            shutil.rmtree(data)
        save_province(settings)
        t0 = time.monotonic()
        rows = generate_national(settings.inbox, args.days)
        print(f"Sinh dữ liệu (không tính vào thời gian dựng): {rows:,} dòng nền tảng, {time.monotonic() - t0:.0f} s")
    env = {**os.environ, "COVID_DATA_DIR": str(data)}
    cmd = [sys.executable, "-m", "etl", "run", "--data-dir", str(data)] + (["--rebuild"] if args.reuse else [])
    code, seconds, peak, last = peak_rss_of(cmd, env)
    print(f"Dựng kho toàn quốc: {seconds:.1f} s (mục tiêu ≤ 180 s), đỉnh bộ nhớ {peak / 2**30:.2f} GiB (mục tiêu ≤ 6 GB), "
          f"mã thoát {code}")
    print("  ", last)
    snapshot = S.current_snapshot(settings)
    if snapshot:
        print(f"  kích thước bản dữ liệu: {snapshot.stat().st_size / 2**30:.2f} GiB")
        print_queries(snapshot)
    return code


def cmd_demo(args) -> int:
    from etl.demo import write_demo_inbox

    work = Path(args.work or PROJECT / "bench/out/demo")
    data = work / "data"
    if data.exists():
        import shutil
        shutil.rmtree(data)
    settings = load_settings(data, province=args.province)
    save_province(settings)
    t0 = time.monotonic()
    write_demo_inbox(settings.inbox, settings.province_code)
    print(f"Sinh hộp thư mẫu (không tính): {time.monotonic() - t0:.1f} s")
    env = {**os.environ, "COVID_DATA_DIR": str(data)}
    code, seconds, peak, last = peak_rss_of([sys.executable, "-m", "etl", "run", "--data-dir", str(data)], env)
    print(f"Dựng kho demo (tỉnh {settings.province_code}): {seconds:.1f} s (mục tiêu ≤ 15 s, gồm khởi động Python), "
          f"đỉnh bộ nhớ {peak / 2**30:.2f} GiB, mã thoát {code}")
    print("  ", last)
    return code


def first_start_once(work: Path, port: int, browser) -> tuple[float, float, float]:
    """(server answering, build finished as the launcher tells, overview figures drawn) in seconds from the launch."""
    import shutil
    import urllib.request

    shutil.rmtree(work, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k not in ("COVID_DATA_DIR", "COVID_PROVINCE")}
    page = browser.new_page(viewport={"width": 1440, "height": 1200}, locale="vi-VN")
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "app.launcher", "--data-dir", str(work / "data"), "--port", str(port),
                             "--address", "127.0.0.1"], cwd=PROJECT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    ready = [0.0]

    def watch() -> None:
        for line in proc.stdout:
            if "Bảng điều hành sẵn sàng" in line:
                ready[0] = time.monotonic() - t0

    threading.Thread(target=watch, daemon=True).start()
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit("Trình khởi động dừng trước khi máy chủ trả lời") from None
                time.sleep(0.05)
        healthy = time.monotonic() - t0
        page.goto(f"http://127.0.0.1:{port}/")
        # every page is behind sign-in: a demo account, as the sign-in page names them
        from app.demo_accounts import DEMO_PASSWORD

        page.get_by_label("Tên đăng nhập").fill("bcd")
        page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.get_by_text("Chỉ tiêu tiêm chủng có nguy cơ trễ hạn").wait_for(timeout=180_000)
        page.get_by_text("18+ mũi 1").first.wait_for(timeout=60_000)
        drawn = time.monotonic() - t0
    finally:
        page.close()
        proc.terminate()
        proc.wait(timeout=20)
    return healthy, ready[0], drawn


def cmd_first_start(args) -> int:
    import socket

    from playwright.sync_api import sync_playwright

    work = Path(args.work or PROJECT / "bench/out/first_start")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    drawn_all = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for n in range(1, args.runs + 1):
            healthy, ready, drawn = first_start_once(work, port, browser)
            drawn_all.append(drawn)
            print(f"Lần {n}: máy chủ trả lời sau {healthy:.1f} s; dữ liệu mẫu dựng xong sau {ready:.1f} s; "
                  f"số liệu trang Tổng quan hiện trong trình duyệt sau {drawn:.1f} s", flush=True)
        browser.close()
    print(f"Khởi động lần đầu đến khi thấy số liệu: trung vị {statistics.median(drawn_all):.1f} s, "
          f"lớn nhất {max(drawn_all):.1f} s (mục tiêu ≤ 20 s, 2 lõi)")
    return 0


def cmd_vnencoding(args) -> int:
    from etl.vnencoding import encode_vni, fix_text

    names = ["Phường Tích Sơn", "Xã Đạo Trù", "Thị trấn Thổ Tang", "Huyện Tam Đảo", "Thành phố Vĩnh Yên",
             "Xã Hướng Đạo", "Người ≥18 tuổi đã tiêm"]
    cells = [f"{encode_vni(n)} {i}" for i in range(100) for n in names] + [f"{n} {i}" for i in range(100) for n in names]
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for cell in cells:
            fix_text(cell)
        runs.append(time.perf_counter() - start)
    print(f"Chuyển mã {len(cells)} ô (một nửa VNI): trung vị {statistics.median(runs) * 1000:.0f} ms, "
          f"lớn nhất {max(runs) * 1000:.0f} ms (mục tiêu ≤ 2 s)")
    return 0


def cmd_queries(args) -> int:
    snapshot = S.current_snapshot(load_settings(args.data_dir))
    if snapshot is None:
        print("Chưa có bản dữ liệu", file=sys.stderr)
        return 1
    print_queries(snapshot)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("national")
    p.add_argument("--work")
    p.add_argument("--days", type=int, default=730)
    p.add_argument("--reuse", action="store_true", help="giữ hộp thư đã sinh (chỉ đo lại bước dựng)")
    p.set_defaults(func=cmd_national)
    p = sub.add_parser("demo")
    p.add_argument("--work")
    p.add_argument("--province", default="26")
    p.set_defaults(func=cmd_demo)
    p = sub.add_parser("queries")
    p.add_argument("--data-dir", required=True)
    p.set_defaults(func=cmd_queries)
    p = sub.add_parser("first-start")
    p.add_argument("--work")
    p.add_argument("--runs", type=int, default=3)
    p.set_defaults(func=cmd_first_start)
    sub.add_parser("vnencoding").set_defaults(func=cmd_vnencoding)
    args = parser.parse_args()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
