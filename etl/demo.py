"""A complete, realistic demo inbox: every source folder of docs/data-contract.md, with the messes real files have.

Vĩnh Phúc (province 26) is calibrated on public facts, so the dashboard's headline figures can be checked
against what was published:
- population: 2019 census per commune (GSO; 1,151,154 people, data/reference);
- cases: the national COVID-19 portal's daily series to 21/01/2022 (data/reference), then an Omicron wave to
  69,387 cumulative cases and 15 deaths on 20/02/2022 (national CDC portal, via hulk1999/CovidDashboard);
- coverage on 15/03/2022 from the Chỉ thị of the provincial Standing Committee: 18+ 99,82% / 98,09% / 83,15%,
  12–17 98,55% / 94,79% of the start-of-period population.
Any other province gets the same kinds of files, synthesised from its census population, uncalibrated.
Each file's mtime is the time it was "received", so latest-file-wins rules see re-sent files as later.
"""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from etl.demo_admin import DEFAULT_TARGETS, copy_targets, write_assignments, write_population, write_submissions
from etl.demo_base import CALIBRATED, Receipts, load_province
from etl.demo_care import build_facilities, write_community_care, write_duty_checks, write_facilities, write_facility_status
from etl.demo_cases import build_cases, write_cases
from etl.demo_geo import write_boundaries
from etl.demo_reports import write_district_reports
from etl.demo_stock import write_stock
from etl.demo_vax import build_vax, write_platform

Progress = Callable[[str, float], None]

# Share of the run each stage takes, so one progress bar moves evenly.
STAGES = (("population", 0.02), ("platform", 0.30), ("cases", 0.22), ("district_reports", 0.22),
          ("facilities", 0.02), ("facility_status", 0.04), ("community_care", 0.03), ("duty_checks", 0.01),
          ("stock", 0.10), ("assignments", 0.01), ("submissions", 0.01), ("targets", 0.01), ("boundaries", 0.01))


def write_demo_inbox(inbox: Path, province_code: str = CALIBRATED, seed: int = 20220315,
                     progress: Progress | None = None) -> dict:
    """Write one folder per source under inbox; return {'files': {source: n}, 'rows': {source: n}, ...}."""
    inbox = Path(inbox)
    report = progress or (lambda message, fraction: None)
    done = 0.0
    weights = dict(STAGES)

    def stage(name: str) -> Callable[[str, float], None]:
        def inner(message: str, fraction: float) -> None:
            report(message, min(done + weights[name] * fraction, 1.0))
        return inner

    report("Chuẩn bị đơn vị hành chính và dân số", 0.0)
    province = load_province(province_code, seed)
    receipts = Receipts()
    vax = build_vax(province, seed)
    cases = build_cases(province, seed)
    facilities = build_facilities(province, cases, seed)
    results: dict[str, dict] = {}
    writers = {
        "population": lambda f: write_population(f, province, receipts),
        "platform": lambda f: write_platform(f, province, vax, receipts, stage("platform")),
        "cases": lambda f: write_cases(f, province, cases, receipts, stage("cases")),
        "district_reports": lambda f: write_district_reports(f, province, vax, seed, receipts, stage("district_reports")),
        "facilities": lambda f: write_facilities(f, province, facilities, receipts),
        "facility_status": lambda f: write_facility_status(f, province, facilities, seed, receipts),
        "community_care": lambda f: write_community_care(f, province, cases, seed, receipts),
        "duty_checks": lambda f: write_duty_checks(f, province, seed, receipts),
        "stock": lambda f: write_stock(f, province, vax, seed, receipts),
        "assignments": lambda f: write_assignments(f, province, seed, receipts),
        "submissions": lambda f: write_submissions(f, province, seed, receipts),
        "targets": lambda f: copy_targets(f, receipts),
        "boundaries": lambda f: write_boundaries(f, province.code, seed, receipts),
    }
    for name, weight in STAGES:
        folder = inbox / name
        folder.mkdir(parents=True, exist_ok=True)
        results[name] = writers[name](folder)
        done += weight
        report(f"Đã ghi {name}: {results[name]['files']} tệp", min(done, 1.0))
    return {
        "province_code": province.code,
        "province_name": province.name,
        "calibrated": province.calibrated,
        "seed": seed,
        "communes": province.n,
        "files": {name: r["files"] for name, r in results.items()},
        "rows": {name: r["rows"] for name, r in results.items()},
        "notes": {name: {k: v for k, v in r.items() if k not in ("files", "rows")}
                  for name, r in results.items() if len(r) > 2},
    }


def _trim_csv(src: Path, dst: Path, n: int) -> None:
    """Header and n rows that carry figures (not the zero rows that open most series)."""
    lines = src.read_text(encoding="utf-8").splitlines()
    body = [line for line in lines[1:] if any(part not in ("", "0") for part in line.split(",")[2:])] or lines[1:]
    step = max(len(body) // n, 1)
    dst.write_text("\n".join([lines[0], *body[::step][:n]]) + "\n", encoding="utf-8")


def _trim_xlsx(src: Path, dst: Path, n: int) -> None:
    """Title rows, header and the first n body rows of a plain table, values and date formats kept."""
    from openpyxl import Workbook, load_workbook

    ws_in = load_workbook(src).worksheets[0]
    wb = Workbook()
    ws = wb.active
    ws.title = ws_in.title
    header_seen = body = 0
    for row in ws_in.iter_rows():
        values = [c.value for c in row]
        filled = sum(v is not None for v in values)
        if header_seen and filled:
            body += 1
            if body > n:
                break
        header_seen = header_seen or filled >= 3
        ws.append(values)
        for c_in, c_out in zip(row, ws[ws.max_row]):
            c_out.number_format = c_in.number_format
    wb.save(dst)


# Which demo file each example is cut from: a small, representative one.
EXAMPLES = {
    "population": ("dan_so_theo_xa_2022.xlsx", 8), "platform": ("xuat_nen_tang_2021-09.csv", 12),
    "cases": ("ca_benh_2021-12.csv", 10), "facilities": ("danh_sach_co_so_dieu_tri.xlsx", 30),
    "facility_status": ("hoat_dong_co_so_2022-03.csv", 10), "community_care": ("tram_luu_dong_to_covid_2022-02.csv", 8),
    "duty_checks": ("kiem_tra_truc_2022-02.csv", 8), "stock": ("so_vac_xin_tinh.csv", 10),
    "assignments": ("phan_cong_uy_vien_btv.xlsx", 20), "submissions": ("van_thu_bao_cao_thang_01_2022.csv", 8),
}


def write_examples(folder: Path, seed: int = 20220315, inbox: Path | None = None) -> dict:
    """docs/examples/<source>/: one small file per source, cut from a Vĩnh Phúc demo inbox (inbox, when given,
    must be one written by write_demo_inbox for province 26; otherwise one is written to a temporary folder)."""
    if inbox is None:
        with tempfile.TemporaryDirectory() as tmp:
            write_demo_inbox(Path(tmp), CALIBRATED, seed)
            return write_examples(folder, seed, Path(tmp))
    folder, inbox = Path(folder), Path(inbox)
    written: dict[str, str] = {}
    for source, (name, n) in EXAMPLES.items():
        out = folder / source
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        (_trim_csv if name.endswith(".csv") else _trim_xlsx)(inbox / source / name, out / name, n)
        written[source] = name
    # The smallest district's form is already short: copied whole, with its title rows and merged header.
    reports = sorted((inbox / "district_reports").glob("*.xlsx"), key=lambda p: (p.stat().st_size, p.name))
    out = folder / "district_reports"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copyfile(reports[0], out / reports[0].name)
    written["district_reports"] = reports[0].name
    if DEFAULT_TARGETS.exists():
        (folder / "targets").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DEFAULT_TARGETS, folder / "targets" / "chi_tieu.toml")
        written["targets"] = "chi_tieu.toml"
    return written
