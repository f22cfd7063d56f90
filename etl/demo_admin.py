"""Population, standing-committee assignments, report submissions and the targets file of the demo.

Every person named here is fictional ("Nguyễn Văn A" style placeholders), by design.
"""
from __future__ import annotations

import datetime as dt
import shutil
import tomllib
from pathlib import Path

import numpy as np

from etl import contracts as C
from etl.demo_base import Province, Receipts, district_label, rng_for, write_csv, write_xlsx

DEFAULT_TARGETS = Path(__file__).resolve().parent / "defaults" / "targets.toml"
SOURCE_START = "Tổng điều tra dân số 2019 (GSO)"
SOURCE_START_SYNTHETIC = "Ước tính từ Tổng điều tra dân số 2019 (GSO) cấp huyện"
SOURCE_CURRENT = "CDC tỉnh rà soát 01/2022"
# Fallback deadlines when the targets file is not there (same ids and dates as etl/defaults/targets.toml).
SUBMISSION_TARGETS = {"bao_cao_08_01_2022": ("province", "2022-01-08"), "bao_cao_10_01_2022": ("district", "2022-01-10"),
                      "ke_hoach_tiem_5_11": ("district", "2022-04-14"), "ke_hoach_mui_4": ("district", "2022-06-30")}
MEMBERS = (("Nguyễn Văn A", "uv.nguyenvana"), ("Trần Thị B", "uv.tranthib"), ("Lê Văn C", "uv.levanc"),
           ("Phạm Thị D", "uv.phamthid"), ("Hoàng Văn E", "uv.hoangvane"), ("Vũ Thị G", "uv.vuthig"),
           ("Đặng Văn H", "uv.dangvanh"), ("Bùi Thị K", "uv.buithik"))
SURNAMES = ("Đỗ", "Ngô", "Dương", "Lý", "Hồ", "Mai", "Đinh", "Cao", "Tạ", "Lưu", "Kiều", "Triệu")
LETTERS = ("L", "M", "N", "P", "Q", "S", "T", "V", "X", "Y")


def write_population(folder: Path, province: Province, receipts: Receipts) -> dict:
    """Both versions per commune in one workbook: census start of period and the CDC's January 2022 review."""
    h = {c.name: c.header for c in C.POPULATION.columns}
    header = [h[c.name] for c in C.POPULATION.columns]
    start_source = SOURCE_START if province.calibrated else SOURCE_START_SYNTHETIC
    rows = []
    for r in province.communes.itertuples():
        rows.append([r.code, "đầu kỳ", r.pop_total, r.pop_18, r.pop_12_17, r.pop_5_11, start_source])
        rows.append([r.code, "hiện có", r.cur_total, r.cur_18, r.cur_12_17, r.cur_5_11, SOURCE_CURRENT])
    path = folder / "dan_so_theo_xa_2022.xlsx"
    n = write_xlsx(path, header, rows, sheet="Dân số")
    receipts.stamp(path, dt.datetime(2022, 1, 25, 10, 0))
    return {"files": 1, "rows": n}


def write_assignments(folder: Path, province: Province, seed: int, receipts: Receipts) -> dict:
    rng = rng_for(seed, "assignments")
    h = {c.name: c.header for c in C.ASSIGNMENTS.columns}
    d = province.districts
    n_members = min(len(MEMBERS), max(5, len(d) // 4))
    owner = np.sort(np.arange(len(d)) % n_members)
    secretaries = [f"{SURNAMES[k % len(SURNAMES)]} {'Văn' if k % 2 == 0 else 'Thị'} {LETTERS[(k // len(SURNAMES)) % len(LETTERS)]}"
                   for k in rng.permutation(len(SURNAMES) * len(LETTERS))[: len(d)]]
    rows = []
    for k, r in enumerate(d.itertuples()):
        style = "code" if k == 1 else "short" if k == 2 else "full"
        member, login = MEMBERS[owner[k]]
        rows.append([district_label(r.code, r.name, r.type, style), member, login, secretaries[k]])
    path = folder / "phan_cong_uy_vien_btv.xlsx"
    n = write_xlsx(path, [h[c.name] for c in C.ASSIGNMENTS.columns], rows, sheet="Phân công",
                   title_rows=["PHÂN CÔNG ỦY VIÊN BAN THƯỜNG VỤ PHỤ TRÁCH ĐỊA BÀN", "(dữ liệu minh họa, tên người là giả định)"])
    receipts.stamp(path, dt.datetime(2022, 1, 5, 8, 30))
    return {"files": 1, "rows": n}


def _deadlines() -> dict[str, tuple[str, dt.date]]:
    """Report and plan deadlines from the default targets (the last revision in force), else the fallback."""
    out = {k: (who, dt.date.fromisoformat(d)) for k, (who, d) in SUBMISSION_TARGETS.items()}
    if DEFAULT_TARGETS.exists():
        with DEFAULT_TARGETS.open("rb") as fh:
            targets = tomllib.load(fh).get("target", [])
        for t in targets:
            if t.get("id") in out:
                deadline = (t.get("revisions") or [{}])[-1].get("deadline", t.get("deadline"))
                out[t["id"]] = (t.get("responsible", out[t["id"]][0]), dt.date.fromisoformat(str(deadline)))
    return out


def write_submissions(folder: Path, province: Province, seed: int, receipts: Receipts) -> dict:
    """Most units send on time, a few late, one district never sends its dose-4 plan; one sends twice."""
    rng = rng_for(seed, "submissions")
    h = {c.name: c.header for c in C.SUBMISSIONS.columns}
    header = [h[c.name] for c in C.SUBMISSIONS.columns]
    d = province.districts
    deadlines = _deadlines()
    n = len(d)
    late = {tid: set(rng.choice(n, size=min(2, n), replace=False).tolist()) for tid in deadlines}
    never = int(rng.integers(0, n))
    january, later = [], []
    for tid, (who, due) in deadlines.items():
        if who == "province":
            january.append(["Sở Y tế", tid, due - dt.timedelta(days=1)])
            continue
        for k, r in enumerate(d.itertuples()):
            if tid == "ke_hoach_mui_4" and k == never:
                continue
            if k in late[tid] and due + dt.timedelta(days=2) <= dt.date(2022, 6, 30):
                sent = due + dt.timedelta(days=int(rng.integers(2, 6)))
            else:
                sent = due - dt.timedelta(days=int(rng.integers(0, 8)))
            label = district_label(r.code, r.name, r.type, "code" if k % 5 == 3 else "full")
            (january if due.year == 2022 and due.month == 1 else later).append([label, tid, sent])
            if k == 0 and tid == "bao_cao_10_01_2022":
                january.append([label, tid, sent + dt.timedelta(days=3)])  # sent again; the first one counts
    files = rows = 0
    for name, block, received in (("van_thu_bao_cao_thang_01_2022.csv", january, dt.datetime(2022, 1, 20, 16, 0)),
                                  ("van_thu_ke_hoach_2022.csv", later, dt.datetime(2022, 6, 30, 17, 0))):
        block.sort(key=lambda r: (r[2], r[1]))
        path = folder / name
        rows += write_csv(path, header, ([u, t, f"{s:%d/%m/%Y}"] for u, t, s in block))
        files += 1
        receipts.stamp(path, received)
    return {"files": files, "rows": rows}


def copy_targets(folder: Path, receipts: Receipts) -> dict:
    """The directive targets are the lead's defaults, copied as a province would drop them in the inbox."""
    if not DEFAULT_TARGETS.exists():
        return {"files": 0, "rows": 0}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "chi_tieu.toml"
    shutil.copyfile(DEFAULT_TARGETS, path)
    receipts.stamp(path, dt.datetime(2022, 6, 8, 8, 0))
    with DEFAULT_TARGETS.open("rb") as fh:
        return {"files": 1, "rows": len(tomllib.load(fh).get("target", []))}
