"""Benchmarks that print their figures (speed targets are measured here, never by timed tests).

    python bench/benchmark.py demo        demo build (inbox generation excluded)       target ≤ 15 s
    python bench/benchmark.py national    province 00, all 10,599 communes × 730 days: platform exports (× 3 cohorts
                                          × 4 doses, ≈ 93 M rows), population, F0 daily counts, community care,
                                          facilities and their daily status, duty checks, stock ledgers, assignments,
                                          submissions and two weeks of district report workbooks (generation
                                          excluded): build ≤ 240 s and ≤ 4 GB peak; three named queries ≤ 50 ms each
    python bench/benchmark.py national --sources vax   vaccination only (platform, population): build ≤ 180 s,
                                          ≤ 4 GB peak
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
import re
import resource
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

from etl import contracts as C  # noqa: E402
from etl import snapshots as S  # noqa: E402
from etl.settings import load_settings, save_province  # noqa: E402


CHILD_CPU_SECONDS = 0.0  # CPU time (user + system) of the last command peak_rss_of ran: comparable under a shared load


def peak_rss_of(cmd: list[str], env: dict, log: Path | None = None, marks: list | None = None
                ) -> tuple[int, float, int, str]:
    """Run a command; return (exit code, seconds, peak resident bytes of it and its children, last output line).
    Every output line goes to `log` when given, with the seconds since the start and the CPU seconds the command has
    used so far (to time each stage); and to `marks` when given, as (seconds, CPU seconds, line)."""
    global CHILD_CPU_SECONDS
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
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
    sink = open(log, "w", encoding="utf-8") if log else None
    watched = psutil.Process(proc.pid)
    for line in proc.stdout:
        last = line.rstrip() or last
        elapsed = time.monotonic() - started
        try:
            cpu = sum(watched.cpu_times()[:2])
        except psutil.Error:
            cpu = float("nan")
        if marks is not None:
            marks.append((elapsed, cpu, line.rstrip()))
        if sink:
            sink.write(f"{elapsed:7.1f} {cpu:7.1f} {line}")
            sink.flush()
        if line.startswith("== ") or "TỪ CHỐI" in line or "LỖI" in line:
            print("   ", line.rstrip(), flush=True)
    code = proc.wait()
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CHILD_CPU_SECONDS = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    if sink:
        sink.close()
    stop.set()
    sampler.join()
    return code, time.monotonic() - started, peak, last


SOURCES_ALL = ("platform", "population", "cases", "community_care", "facilities", "facility_status", "duty_checks",
               "stock", "assignments", "submissions", "district_reports")
VAX_ONLY = ("platform", "population")
START = "DATE '2021-03-01'"


def _copy(con: duckdb.DuckDBPyConnection, sql: str, target: Path) -> int:
    """One CSV written by DuckDB; returns its rows."""
    target.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"COPY ({sql}) TO '{target}' (HEADER)")
    return con.execute(f"SELECT count(*) FROM read_csv('{target}', all_varchar=true)").fetchone()[0]


def _months(con: duckdb.DuckDBPyConnection, days: int) -> list[str]:
    return [m for (m,) in con.execute(f"""
        SELECT DISTINCT strftime(d, '%Y-%m') FROM (
          SELECT unnest(generate_series({START}, {START} + INTERVAL {days - 1} DAY, INTERVAL 1 DAY)) AS d)
        ORDER BY 1""").fetchall()]


def _day_table(con: duckdb.DuckDBPyConnection, days: int) -> None:
    """days(d, t): the benchmark's days and their index; a Delta wave (summer 2021) and an Omicron wave (early 2022)."""
    con.execute(f"""
        CREATE OR REPLACE TABLE days AS
        SELECT d::DATE AS d, (d::DATE - {START}) AS t, strftime(d, '%Y-%m') AS month,
               0.05 + 0.6 * exp(-pow(((d::DATE - DATE '2021-08-20') / 25.0), 2))
                    + 4.0 * exp(-pow(((d::DATE - DATE '2022-03-10') / 28.0), 2)) AS wave
        FROM (SELECT unnest(generate_series({START}, {START} + INTERVAL {days - 1} DAY, INTERVAL 1 DAY)) AS d)""")


def gen_cases(con, inbox: Path, days: int) -> int:
    """F0 daily counts per commune and day, monthly CSVs as the communes send them; the last two days are still
    filling (a fifth, then two fifths of the communes have not reported)."""
    rows = 0
    last = days - 1
    for month in _months(con, days):
        rows += _copy(con, f"""
            WITH base AS (
              SELECT c.code, y.d, y.t,
                     floor(y.wave * c.size * (hash(c.code, y.d, 'f0') % 1000) / 100.0)::BIGINT AS f0,
                     hash(c.code, y.d, 'x') % 1000 AS u
              FROM days y, communes c
              WHERE y.month = '{month}' AND NOT (y.t = {last} AND hash(c.code, 'late1') % 5 < 2)
                    AND NOT (y.t = {last - 1} AND hash(c.code, 'late2') % 5 = 0)
            ), counts AS (
              SELECT *, f0 * 6 AS active_home, f0 + (u % 3) AS active_facility FROM base
            )
            SELECT code AS "Mã xã", strftime(d, '%d/%m/%Y') AS "Ngày báo cáo", f0 AS "F0 mới",
                   (f0 * (40 + u % 30) // 100) AS "F0 mới đã là F1", active_home AS "Đang điều trị tại nhà",
                   active_facility AS "Đang điều trị tại cơ sở", f0 AS "Khỏi bệnh",
                   (f0 // 60) AS "Chuyển nặng", (CASE WHEN f0 > 0 AND u < 3 THEN 1 ELSE 0 END) AS "Tử vong",
                   ((active_home + active_facility) * (85 + u % 16) // 100) AS "F0 đã được cấp thuốc",
                   ((active_home + active_facility) * (90 + u % 11) // 100) AS "F0 được theo dõi sức khỏe"
            FROM counts ORDER BY d, code""", inbox / f"cases/ca_benh_{month}.csv")
    return rows


def gen_community_care(con, inbox: Path, days: int) -> int:
    """Mobile stations and community teams per commune, every Saturday, a file a month."""
    rows = 0
    for month in _months(con, days):
        rows += _copy(con, f"""
            SELECT c.code AS "Mã xã", strftime(y.d, '%d/%m/%Y') AS "Ngày",
                   (CASE WHEN y.wave > 0.5 THEN 1 + (hash(c.code, y.d, 's') % 2) ELSE hash(c.code, y.d, 's') % 2 END)
                     AS "Trạm y tế lưu động",
                   greatest(2, round(c.size * 8 * least(1.0, 0.3 + y.wave / 2)))::BIGINT AS "Tổ COVID cộng đồng"
            FROM days y, communes c WHERE y.month = '{month}' AND dayofweek(y.d) = 6
            ORDER BY y.d, c.code""", inbox / f"community_care/tram_luu_dong_to_covid_{month}.csv")
    return rows


def _facility_table(con) -> None:
    """Two facilities per district (its medical centre, a field facility that closes in June 2022 for a third of the
    districts) and four upper-level hospitals answering to the country."""
    con.execute("""
        CREATE OR REPLACE TABLE facilities AS
        SELECT 'CS' || lpad((row_number() OVER (ORDER BY district_code, k))::VARCHAR, 5, '0') AS code,
               district_code, k, tier, quota, opened, closed, n
        FROM (
          SELECT d.district_code, k.k, 'tuyến huyện' AS tier, d.n,
                 (CASE WHEN k.k = 0 THEN 20 + d.n * 3 ELSE 40 + d.n * 5 END)::BIGINT AS quota,
                 CASE WHEN k.k = 0 THEN DATE '2021-03-01' ELSE DATE '2021-07-01' + (hash(d.district_code) % 30)::INTEGER END AS opened,
                 CASE WHEN k.k = 1 AND hash(d.district_code) % 3 = 0 THEN DATE '2022-06-15' END AS closed
          FROM (SELECT district_code, count(*) AS n FROM communes GROUP BY ALL) d, (VALUES (0), (1)) k(k)
          UNION ALL
          SELECT NULL, u.k, 'tuyến trên', 40, 800, DATE '2021-03-01', NULL FROM (VALUES (2), (3), (4), (5)) u(k)
        )""")


def gen_facilities(con, inbox: Path) -> int:
    _facility_table(con)
    return _copy(con, """
        SELECT code AS "Mã cơ sở",
               CASE WHEN district_code IS NULL THEN 'Bệnh viện tuyến trên số ' || (k - 1)
                    WHEN k = 0 THEN 'Trung tâm Y tế ' || d.district_name
                    ELSE 'Cơ sở thu dung, điều trị COVID-19 ' || d.district_name END AS "Tên cơ sở",
               coalesce(f.district_code, 'Tỉnh') AS "Huyện", tier AS "Tuyến", quota AS "Định mức giường",
               strftime(opened, '%d/%m/%Y') AS "Ngày mở", strftime(closed, '%d/%m/%Y') AS "Ngày đóng"
        FROM facilities f LEFT JOIN (SELECT DISTINCT district_code, district_name FROM units) d USING (district_code)
        ORDER BY code""", inbox / "facilities/danh_sach_co_so_dieu_tri.csv")


def gen_facility_status(con, inbox: Path, days: int) -> int:
    """Each open facility's day: occupancy follows the waves; admissions and discharges reconcile with its change."""
    _facility_table(con)
    con.execute("""
        CREATE OR REPLACE TABLE facility_days AS
        SELECT f.code, y.d, y.month, f.quota,
               round(f.quota * least(1.1, 0.15 + y.wave / 3.5) * (90 + hash(f.code, y.d) % 20) / 100.0)::BIGINT AS occ
        FROM facilities f JOIN days y ON y.d >= f.opened AND (f.closed IS NULL OR y.d < f.closed)""")
    rows = 0
    for month in _months(con, days):
        rows += _copy(con, f"""
            WITH flow AS (
              SELECT *, occ - coalesce(lag(occ) OVER (PARTITION BY code ORDER BY d), 0) AS delta,
                     occ // 8 AS out_ FROM facility_days
            )
            SELECT code AS "Mã cơ sở", strftime(d, '%d/%m/%Y') AS "Ngày",
                   round(quota * 1.2)::BIGINT AS "Giường sẵn sàng", occ AS "Đang điều trị",
                   greatest(delta, 0) + out_ AS "Nhập viện", greatest(-delta, 0) + out_ AS "Ra viện",
                   0 AS "Chuyển tuyến trên", (3 + quota // 12 + occ // 15)::BIGINT AS "Nhân viên trực"
            FROM flow WHERE month = '{month}' ORDER BY d, code""", inbox / f"facility_status/hoat_dong_co_so_{month}.csv")
    return rows


def gen_duty_checks(con, inbox: Path) -> int:
    """Unannounced checks of commune stations in February–March 2022 (one commune in five), a few found nobody."""
    return _copy(con, """
        SELECT code AS "Mã xã",
               strftime(TIMESTAMP '2022-02-01 07:00' + INTERVAL (hash(code, 'day') % 58) DAY
                        + INTERVAL (hash(code, 'min') % 720) MINUTE, '%d/%m/%Y %H:%M') AS "Thời điểm kiểm tra",
               CASE WHEN hash(code, 'p') % 20 = 0 THEN 'Không' ELSE 'Có' END AS "Có người trực",
               CASE WHEN hash(code, 'p') % 20 = 0 THEN 'Không có người trực, cửa trạm khóa' ELSE '' END AS "Ghi chú"
        FROM communes WHERE hash(code, 'check') % 5 = 0 ORDER BY 2, 1""", inbox / "duty_checks/kiem_tra_truc.csv")


def gen_stock(con, inbox: Path) -> int:
    """Each district store's Pfizer ledger, a lot a month received on its first day with a fifth to spare; one file per
    province (its districts' stores)."""
    con.execute("""
        CREATE OR REPLACE TABLE stock AS
        WITH use AS (
          SELECT c.district_code, c.province_code, y.d, y.month, (count(*) * 36)::BIGINT AS administered
          FROM communes c, days y GROUP BY ALL
        ), lots AS (
          SELECT *, sum(administered) OVER (PARTITION BY district_code, month) AS month_use,
                 sum(administered) OVER (PARTITION BY district_code, month ORDER BY d) AS used_so_far,
                 d = min(d) OVER (PARTITION BY district_code, month) AS first_day
          FROM use
        )
        SELECT district_code, province_code, d, month, 'PF' || replace(month, '-', '') AS lot,
               (strptime(month || '-01', '%Y-%m-%d') + INTERVAL 6 MONTH)::DATE AS expiry,
               CASE WHEN first_day THEN ceil(month_use * 1.2)::BIGINT ELSE 0 END AS received, administered,
               ceil(month_use * 1.2)::BIGINT - used_so_far AS on_hand
        FROM lots""")
    rows = 0
    for (province,) in con.execute("SELECT DISTINCT province_code FROM stock ORDER BY 1").fetchall():
        rows += _copy(con, f"""
            SELECT district_code AS "Kho", strftime(d, '%d/%m/%Y') AS "Ngày", 'Pfizer' AS "Vắc xin", lot AS "Số lô",
                   strftime(expiry, '%d/%m/%Y') AS "Hạn dùng", received AS "Nhập", 0 AS "Xuất",
                   administered AS "Đã tiêm", 0 AS "Hủy", on_hand AS "Tồn"
            FROM stock WHERE province_code = '{province}' ORDER BY d, district_code""",
                      inbox / f"stock/so_vac_xin_tinh_{province}.csv")
    return rows


def gen_assignments(con, inbox: Path) -> int:
    """Every district with its standing-committee member (fictional names) and its secretary."""
    return _copy(con, """
        SELECT district_code AS "Huyện",
               'Ủy viên ' || province_code AS "Ủy viên BTV phụ trách", 'uv.tinh' || province_code AS "Tài khoản",
               'Bí thư ' || district_code AS "Bí thư huyện ủy"
        FROM (SELECT DISTINCT district_code, province_code FROM communes) ORDER BY 1""",
                 inbox / "assignments/phan_cong_uy_vien_btv.csv")


def gen_submissions(con, inbox: Path) -> int:
    """Each district's reports and plans for the default targets' deadlines, a few late; the province's report."""
    from etl.demo_admin import _deadlines

    parts = []
    for tid, (who, due) in _deadlines().items():
        if who == "province":
            parts.append(f"SELECT 'Sở Y tế' AS u, '{tid}' AS t, DATE '{due}' - 1 AS s")
        else:
            parts.append(f"SELECT district_code, '{tid}', DATE '{due}' + (hash(district_code, '{tid}') % 10)::INTEGER - 7 "
                         "FROM (SELECT DISTINCT district_code FROM communes)")
    return _copy(con, f"""SELECT u AS "Đơn vị", t AS "Mã chỉ tiêu", strftime(s, '%d/%m/%Y') AS "Ngày gửi"
                          FROM ({' UNION ALL '.join(parts)}) ORDER BY s, t, u""",
                 inbox / "submissions/van_thu_bao_cao.csv")


def gen_district_reports(con, inbox: Path, weeks: int) -> int:
    """Each district's weekly report form (a workbook, as the demo writes them, in the demo's typing styles, but units
    by GSO code: a name can be ambiguous country-wide) for the last `weeks` report dates of the demo."""
    import dataclasses

    import numpy as np
    import pandas as pd

    from etl.demo_base import rng_for
    from etl.demo_reports import REPORT_DATES, VP_STYLES, _workbook

    styles = [dataclasses.replace(s, unit_title="code", commune="code", inflate_d3=False) for s in VP_STYLES.values()]
    units = con.execute("SELECT DISTINCT district_code AS code, district_name AS name, district_type AS type "
                        "FROM units ORDER BY 1").df()
    communes = con.execute("SELECT ward_code AS code, ward_name AS name, ward_type AS type, district_code, size "
                           "FROM units ORDER BY ward_code").df()
    province = type("NationalProvince", (), {"districts": units, "communes": communes})()
    folder = inbox / "district_reports"
    folder.mkdir(parents=True, exist_ok=True)
    rng = rng_for(1, "national_reports")
    rows = 0
    start = pd.Timestamp("2021-03-01")
    for date in REPORT_DATES[-weeks:]:
        elapsed = (pd.Timestamp(date) - start).days + 1
        for k, (code, group) in enumerate(communes.groupby("district_code", sort=True)):
            n = len(group)
            pop = {"18": 7000, "12_17": 900, "5_11": 1100}
            cols = []
            for c in C.DISTRICT_REPORT.columns[1:]:
                name = c.name
                if name.startswith("pop_"):
                    cols.append(np.full(n, pop[name.split("_", 2)[2]]))
                elif name[0] == "d":
                    dose = int(name[-1])
                    cols.append(np.round(elapsed * 3 * (1 - 0.01 * dose) * rng.uniform(0.98, 1.02, n)).astype(np.int64))
                else:
                    cols.append(rng.integers(0, 40, n))
            values = np.stack(cols, axis=1).astype(np.int64)
            path = folder / f"{code}_{date:%Y-%m-%d}_bieu_mau.xlsx"
            _workbook(path, province, code, date, values, styles[k % len(styles)], rng)
            rows += n
    return rows


def generate_national(inbox: Path, days: int = 730, sources: tuple[str, ...] = SOURCES_ALL, report_weeks: int = 2
                      ) -> dict[str, int]:
    """Every source the pipeline takes at province 00, for every commune of Viet Nam over `days` days from 01/03/2021,
    written by DuckDB (fast); returns rows per source. Platform exports: one CSV a month (≈ 93 M rows for 730 days)."""
    units = PROJECT / "data/reference/units_gso_2021.csv"
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"CREATE TABLE units AS SELECT *, 0.5 + (hash(ward_code) % 150) / 100.0 AS size "
                f"FROM read_csv('{units}', all_varchar=true)")
    con.execute("CREATE TABLE communes AS SELECT ward_code AS code, district_code, province_code, size FROM units")
    _day_table(con, days)
    rows: dict[str, int] = {}
    if "population" in sources:
        rows["population"] = _copy(con, """
            SELECT code AS "Mã xã", v.version AS "Phiên bản", 10000 AS "Tổng dân số", 7000 AS "Từ 18 tuổi",
                   900 AS "12-17 tuổi", 1100 AS "5-11 tuổi", 'Tổng hợp (benchmark)' AS "Nguồn"
            FROM communes CROSS JOIN (VALUES ('đầu kỳ'), ('hiện có')) v(version)""", inbox / "population/dan_so.csv")
    if "platform" in sources:
        rows["platform"] = 0
        for month in _months(con, days):
            target = inbox / f"platform/xuat_nen_tang_{month}.csv"
            n = _copy(con, f"""
                SELECT c.code AS "Mã xã", strftime(y.d, '%d/%m/%Y') AS "Ngày tiêm", k.cohort AS "Nhóm tuổi",
                       k.dose AS "Mũi", 'Pfizer' AS "Vắc xin", (hash(c.code, y.d, k.cohort, k.dose) % 7)::INTEGER AS "Số mũi"
                FROM days y, communes c,
                     (SELECT * FROM (VALUES ('18+'), ('12-17'), ('5-11')) a(cohort), (VALUES (1), (2), (3), (4)) b(dose)) k
                WHERE y.month = '{month}'""", target)
            rows["platform"] += n
            print(f"  sinh {target.name}: {n:,} dòng", flush=True)
    steps = {
        "cases": lambda: gen_cases(con, inbox, days),
        "community_care": lambda: gen_community_care(con, inbox, days),
        "facilities": lambda: gen_facilities(con, inbox),
        "facility_status": lambda: gen_facility_status(con, inbox, days),
        "duty_checks": lambda: gen_duty_checks(con, inbox),
        "stock": lambda: gen_stock(con, inbox),
        "assignments": lambda: gen_assignments(con, inbox),
        "submissions": lambda: gen_submissions(con, inbox),
        "district_reports": lambda: gen_district_reports(con, inbox, report_weeks),
    }
    for name, step in steps.items():
        if name in sources:
            t0 = time.monotonic()
            rows[name] = step()
            print(f"  sinh {name}: {rows[name]:,} dòng ({time.monotonic() - t0:.0f} s)", flush=True)
    con.close()
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


_LOADED = re.compile(r"^\[load\] \(\d+/\d+\) ([a-z_]+)/")
_MODEL = re.compile(r"^\[models\] ([a-z_]+\.[a-z_0-9]+): ")


def stage_report(marks: list[tuple[float, float, str]], end: tuple[float, float]) -> list[str]:
    """Lines saying where a build's time went, from the (seconds, CPU seconds, line) of each line it printed: each
    stage's wall and CPU seconds, the load by source, and the models taking a second or more. A line's time is the
    time since the line before it (the ETL prints a file or a model when it is done)."""
    stages: list[tuple[str, float, float]] = []
    sources: dict[str, list[float]] = {}
    models: list[tuple[float, float, str]] = []
    previous = (0.0, 0.0)
    for elapsed, cpu, line in marks:
        wall, used = elapsed - previous[0], cpu - previous[1]
        if line.startswith("== "):
            stages.append((line[3:].strip(), elapsed, cpu))
        elif (m := _LOADED.match(line)):
            acc = sources.setdefault(m.group(1), [0.0, 0.0, 0])
            acc[0] += wall
            acc[1] += used
            acc[2] += 1
        elif (m := _MODEL.match(line)):
            models.append((wall, used, m.group(1)))
        previous = (elapsed, cpu)
    out = ["  Thời gian theo bước (thực / CPU, giây):"]
    bounds = stages + [("", *end)]
    out.append("    " + "; ".join(f"{name} {b[1] - a[1]:.1f} / {b[2] - a[2]:.0f}"
                                  for (name, *_), a, b in zip(stages, bounds, bounds[1:])))
    if sources:
        # the ETL loads files in worker threads and reports them in order: a file's time here is the time from the
        # outcome before it to its own, so a source loaded beside another (the workbooks) shows little
        out.append("  Nạp theo nguồn (thực / CPU, giây, từ kết quả của tệp trước đến kết quả của tệp; các tệp nạp "
                   "song song nên nguồn nạp cạnh nguồn khác, như biểu mẫu Excel, hiện ít; số tệp): " + "; ".join(
            f"{name} {w:.1f} / {c:.0f} ({n})" for name, (w, c, n) in sorted(sources.items(), key=lambda kv: -kv[1][0])))
    slow = sorted((m for m in models if m[0] >= 1.0), reverse=True)
    if slow:
        out.append("  Mô hình từ 1 s trở lên (thực / CPU, giây): " + "; ".join(
            f"{name} {w:.1f} / {c:.0f}" for w, c, name in slow))
    return out


def cmd_national(args) -> int:
    sources = SOURCES_ALL if args.sources == "all" else VAX_ONLY if args.sources == "vax" else tuple(args.sources.split(","))
    unknown = set(sources) - set(SOURCES_ALL)
    if unknown:
        raise SystemExit(f"nguồn không có trong benchmark: {', '.join(sorted(unknown))} (có: {', '.join(SOURCES_ALL)})")
    everything = set(sources) == set(SOURCES_ALL)
    # the pages benchmark reads bench/out/national (every source); a subset builds beside it
    work = Path(args.work or PROJECT / ("bench/out/national" if everything else "bench/out/national_" + "_".join(sources)))
    data = work / "data"
    settings = load_settings(data, province="00")
    if not args.reuse or not (settings.archive / "manifest.jsonl").exists():
        if data.exists():
            import shutil
            shutil.rmtree(data)
        save_province(settings)
        t0 = time.monotonic()
        rows = generate_national(settings.inbox, args.days, sources, args.report_weeks)
        print(f"Sinh dữ liệu (không tính vào thời gian dựng): {sum(rows.values()):,} dòng "
              f"({', '.join(f'{k} {v:,}' for k, v in rows.items())}), {time.monotonic() - t0:.0f} s")
    env = {**os.environ, "COVID_DATA_DIR": str(data)}
    cmd = [sys.executable, "-m", "etl", "run", "--data-dir", str(data)] + (["--rebuild"] if args.reuse else [])
    load_before = os.getloadavg()
    marks: list[tuple[float, float, str]] = []
    code, seconds, peak, last = peak_rss_of(cmd, env, log=work / "etl_run.log", marks=marks)
    load_after = os.getloadavg()
    target_s = 240 if everything else 180 if set(sources) <= set(VAX_ONLY) else None
    verdict = lambda ok: "đạt" if ok else "VƯỢT"  # noqa: E731
    print(f"Dựng kho toàn quốc ({'mọi nguồn' if everything else ', '.join(sources)}): {seconds:.1f} s"
          + (f" (mục tiêu ≤ {target_s} s: {verdict(seconds <= target_s)})" if target_s else "")
          + f", đỉnh bộ nhớ {peak / 2**30:.2f} GiB = {peak / 1e9:.2f} GB (mục tiêu ≤ 4 GB: {verdict(peak <= 4e9)}), "
          f"mã thoát {code}")
    print(f"  thời gian CPU của lần dựng: {CHILD_CPU_SECONDS:.0f} s (người dùng + hệ thống, mọi luồng)")
    print(f"  tải máy (1, 5, 15 phút) trước: {', '.join(f'{x:.2f}' for x in load_before)}; "
          f"sau: {', '.join(f'{x:.2f}' for x in load_after)} (2 lõi; người khác cũng chạy)")
    print("  ", last)
    for line in stage_report(marks, (seconds, CHILD_CPU_SECONDS)):
        print(line)
    print(f"  nhật ký đầy đủ của lần dựng (giây từ lúc bắt đầu, giây CPU, dòng): {work / 'etl_run.log'}")
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
    p.add_argument("--sources", default="all",
                   help="all (mặc định, mục tiêu ≤ 240 s), vax = platform,population (mục tiêu ≤ 180 s), "
                        "hoặc danh sách nguồn cách nhau bởi dấu phẩy")
    p.add_argument("--report-weeks", type=int, default=2,
                   help="số kỳ báo cáo tuần của biểu mẫu huyện (mỗi huyện một tệp Excel mỗi kỳ)")
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
