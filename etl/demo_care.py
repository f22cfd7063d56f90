"""Treatment facilities and their daily status, community care teams and duty checks of the demo."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from etl import contracts as C
from etl.demo_base import (
    LAST_DAY, Province, Receipts, base_name, days, dmy, district_label, rng_for, write_csv, write_xlsx,
)
from etl.demo_cases import Cases

STATUS_START = dt.date(2021, 5, 1)
UPPER = ("Bệnh viện Bệnh Nhiệt đới Trung ương cơ sở 2", "Bệnh viện Phổi Trung ương")
# Where a district's facility-treated cases go: its own facilities, the provincial hospitals, upper level.
SHARE_DISTRICT, SHARE_PROVINCE, SHARE_UPPER = 0.75, 0.20, 0.05


@dataclass
class Facilities:
    table: pd.DataFrame      # code, name, district (code or ''), tier, quota, opened, closed (date or None)
    occupied: np.ndarray     # (days, facilities) from STATUS_START


def _register(province: Province, rng: np.random.Generator) -> pd.DataFrame:
    """1–3 facilities per district, 2 provincial, 2 upper-level; some field hospitals opened for the Omicron
    wave (Jan–Feb 2022), some closed when it ebbed (June 2022)."""
    rows = []
    field_no = 0
    short = base_name(base_name(province.name, "Tỉnh"), "Thành phố")
    for k, d in enumerate(province.districts.itertuples()):
        rows.append((d.code, f"Trung tâm Y tế {d.name[0].lower()}{d.name[1:]}", "tuyến huyện", 1.0, STATUS_START, None))
        for j in range(int(rng.integers(0, 3)) if len(province.districts) > 3 else 1):
            field_no += 1
            late = rng.random() < 0.35
            opened = dt.date(2022, 1, 10) + dt.timedelta(days=int(rng.integers(0, 45))) if late else STATUS_START
            closed = dt.date(2022, 6, 1) + dt.timedelta(days=int(rng.integers(3, 25))) if rng.random() < 0.3 else None
            rows.append((d.code, f"Cơ sở thu dung, điều trị COVID-19 số {field_no}", "tuyến huyện", 2.5, opened, closed))
    rows.append(("", f"Bệnh viện Đa khoa {short}", "tuyến tỉnh", 0.6, STATUS_START, None))
    rows.append(("", f"Bệnh viện Phổi {short}", "tuyến tỉnh", 0.4, STATUS_START, None))
    for name in UPPER:
        rows.append(("", name, "tuyến trên", 0.5, STATUS_START, None))
    table = pd.DataFrame(rows, columns=["district", "name", "tier", "weight", "opened", "closed"])
    table.insert(0, "code", [f"CS{i + 1:02d}" for i in range(len(table))])
    return table


def build_facilities(province: Province, cases: Cases, seed: int) -> Facilities:
    rng = rng_for(seed, "facilities")
    table = _register(province, rng)
    day_index = days(STATUS_START, LAST_DAY)
    offset = (STATUS_START - cases.days[0].date()).days
    didx = province.district_index()
    active_fac = cases.values["active_facility"][offset:]
    by_district = np.stack([active_fac[:, didx == k].sum(axis=1) for k in range(len(province.districts))], axis=1)
    open_ = np.array([[r.opened <= d.date() and (r.closed is None or d.date() <= r.closed) for r in table.itertuples()]
                      for d in day_index])
    occ = np.zeros((len(day_index), len(table)))
    weight = table["weight"].to_numpy()
    for k, code in enumerate(province.districts["code"]):
        own = (table["district"] == code).to_numpy()
        w = open_[:, own] * weight[own]
        occ[:, own] += by_district[:, [k]] * SHARE_DISTRICT * w / w.sum(axis=1, keepdims=True)
    for tier, share in (("tuyến tỉnh", SHARE_PROVINCE), ("tuyến trên", SHARE_UPPER)):
        cols = (table["tier"] == tier).to_numpy()
        occ[:, cols] += by_district.sum(axis=1, keepdims=True) * share * weight[cols] / weight[cols].sum()
    occupied = np.round(occ * rng.lognormal(0, 0.05, occ.shape)).astype(np.int64) * open_
    # Quotas from the March 2022 peak: comfortable for most, too small for the 2–3 busiest district facilities.
    peak = occupied.max(axis=0)
    quota = np.ceil(peak * rng.uniform(1.15, 1.6, len(table)) / 10 + 1) * 10
    district_tier = (table["tier"] == "tuyến huyện").to_numpy()
    busiest = np.argsort(-(peak * district_tier))[:3 if len(table) > 12 else 2]
    quota[busiest] = np.maximum(np.floor(peak[busiest] * rng.uniform(0.78, 0.9, len(busiest)) / 10) * 10, 10)
    table["quota"] = quota.astype(np.int64)
    return Facilities(table, occupied)


def write_facilities(folder: Path, province: Province, fac: Facilities, receipts: Receipts) -> dict:
    h = {c.name: c.header for c in C.FACILITIES.columns}
    names = dict(zip(province.districts["code"], zip(province.districts["name"], province.districts["type"])))
    rows = []
    for r in fac.table.itertuples():
        # Provincial and upper-level hospitals answer to the province: "Tỉnh" (the ETL refuses a blank unit).
        district = district_label(r.district, *names[r.district], "full") if r.district else "Tỉnh"
        # The register's "Ngày đóng" is the first day closed; the generator's `closed` is the last day open.
        first_closed = r.closed + dt.timedelta(days=1) if r.closed else None
        rows.append([r.code, r.name, district, r.tier, r.quota, r.opened, first_closed])
    path = folder / "danh_sach_co_so_dieu_tri.xlsx"
    n = write_xlsx(path, [h[c.name] for c in C.FACILITIES.columns], rows, sheet="Danh sách",
                   title_rows=["DANH SÁCH CƠ SỞ THU DUNG, ĐIỀU TRỊ NGƯỜI BỆNH COVID-19",
                               f"(Cập nhật đến ngày {dmy(dt.date(2022, 6, 28))})"])
    receipts.stamp(path, dt.datetime(2022, 6, 28, 9, 0))
    return {"files": 1, "rows": n}


def status_frame(province: Province, fac: Facilities, seed: int) -> pd.DataFrame:
    """Daily status per open facility; admissions and discharges reconcile with the change in occupancy."""
    rng = rng_for(seed, "facility_status")
    day_index = days(STATUS_START, LAST_DAY)
    table = fac.table
    n_days, n_fac = fac.occupied.shape
    ready_2x = rng.random(len(province.districts)) < 0.5
    ready_2x[: min(2, len(ready_2x))] = [True, False][: min(2, len(ready_2x))]
    target = np.array([2.0 if r.district and ready_2x[list(province.districts["code"]).index(r.district)]
                       else 1.5 if r.tier == "tuyến tỉnh" else 1.0 if r.tier == "tuyến trên"
                       else rng.uniform(1.2, 1.5) for r in table.itertuples()])
    # Beds made ready for the wave: up from 15/02/2022 to 10/03, held, back down by 15/05.
    up = np.clip((day_index - pd.Timestamp("2022-02-15")).days.to_numpy() / 23.0, 0, 1)
    down = np.clip((pd.Timestamp("2022-05-15") - day_index).days.to_numpy() / 30.0, 0, 1)
    surge = np.minimum(up, down)
    ready = np.round(table["quota"].to_numpy() * (1 + surge[:, None] * (target - 1))).astype(np.int64)
    occ = fac.occupied
    peak_time = (day_index >= "2022-02-01") & (day_index <= "2022-04-15")
    p_ref = np.where(peak_time, 0.012, 0.004)[:, None] * np.where(table["tier"] == "tuyến huyện", 1.0,
                                                                    np.where(table["tier"] == "tuyến tỉnh", 0.5, 0.0))
    los = rng.uniform(7, 10, n_fac)
    rows = []
    codes = table["code"].to_numpy()
    opened = np.array([(r.opened - STATUS_START).days for r in table.itertuples()])
    closed = np.array([(r.closed - STATUS_START).days if r.closed else n_days - 1 for r in table.itertuples()])
    prev = np.zeros(n_fac, dtype=np.int64)
    for i in range(n_days):
        discharged = rng.binomial(prev, 1.0 / los)
        referred = rng.binomial(prev - discharged, p_ref[i])
        admitted = occ[i] - prev + discharged + referred
        short = admitted < 0
        discharged = np.where(short, prev - referred - occ[i], discharged)
        admitted = np.maximum(admitted, 0)
        staff = np.round(3 + ready[i] / 12 + occ[i] / 15).astype(np.int64)
        for f in np.flatnonzero((opened <= i) & (i <= closed)):
            rows.append((i, codes[f], int(ready[i, f]), int(occ[i, f]), int(admitted[f]), int(discharged[f]),
                         int(referred[f]), int(staff[f])))
        prev = occ[i].copy()
    frame = pd.DataFrame(rows, columns=["t", "code", "ready", "occ", "adm", "dis", "ref", "staff"])
    frame.insert(1, "date", day_index[frame["t"].to_numpy()])
    return frame


def write_facility_status(folder: Path, province: Province, fac: Facilities, seed: int, receipts: Receipts) -> dict:
    h = {c.name: c.header for c in C.FACILITY_STATUS.columns}
    header = [h[c.name] for c in C.FACILITY_STATUS.columns]
    frame = status_frame(province, fac, seed)
    files = rows = 0
    for (y, m), part in frame.groupby([frame["date"].dt.year, frame["date"].dt.month]):
        path = folder / f"hoat_dong_co_so_{y}-{m:02d}.csv"
        rows += write_csv(path, header, ([r.code, dmy(r.date), r.ready, r.occ, r.adm, r.dis, r.ref, r.staff]
                                         for r in part.itertuples()))
        files += 1
        receipts.stamp(path, dt.datetime(y + (m == 12), m % 12 + 1, 1, 9, 0) if (y, m) != (2022, 6)
                       else dt.datetime(2022, 6, 30, 20, 30))
    return {"files": files, "rows": rows}


def write_community_care(folder: Path, province: Province, cases: Cases, seed: int, receipts: Receipts) -> dict:
    """Weekly (Saturdays from 15/01/2022): mobile stations and community teams, scaled to the wave."""
    rng = rng_for(seed, "community_care")
    h = {c.name: c.header for c in C.COMMUNITY_CARE.columns}
    header = [h[c.name] for c in C.COMMUNITY_CARE.columns]
    weeks = pd.date_range("2022-01-15", LAST_DAY, freq="7D")
    pop = province.communes["pop_total"].to_numpy()
    teams_full = np.maximum(np.round(pop / 1200 * rng.uniform(0.8, 1.2, province.n)), 2).astype(np.int64)
    files = rows = 0
    for month in sorted({w.month for w in weeks}):
        out = []
        for w in weeks[weeks.month == month]:
            phase = 1.0 if w <= pd.Timestamp("2022-04-30") else 0.6 if w <= pd.Timestamp("2022-05-31") else 0.4
            stations = (rng.random(province.n) < (0.95 if phase == 1.0 else 0.5)).astype(np.int64)
            stations += (pop > 15000) & (phase == 1.0)
            teams = np.round(teams_full * phase * rng.uniform(0.9, 1.0, province.n)).astype(np.int64)
            for c, row in enumerate(province.communes.itertuples()):
                out.append([row.code, dmy(w.date()), int(stations[c]), int(teams[c])])
        path = folder / f"tram_luu_dong_to_covid_2022-{month:02d}.csv"
        rows += write_csv(path, header, out)
        files += 1
        receipts.stamp(path, dt.datetime(2022, month, 28, 17, 0) if month < 6 else dt.datetime(2022, 6, 27, 17, 0))
    return {"files": files, "rows": rows}


ABSENT_NOTES = ("Không có người trực, cửa trạm khóa", "Cán bộ trực vắng mặt giờ nghỉ trưa",
                "Gọi điện không có người nghe máy", "Không có người trực, bảo vệ cho biết cán bộ đi họp")
PRESENT_NOTES = ("", "", "Có 2 cán bộ trực", "Trạm trực đầy đủ, sổ trực ghi chép đủ", "Có người trực, thiếu sổ theo dõi F0")


def write_duty_checks(folder: Path, province: Province, seed: int, receipts: Receipts, n_checks: int = 150) -> dict:
    """About 150 unannounced checks in Feb–Mar 2022; 8 found nobody, most of those over the lunch break."""
    rng = rng_for(seed, "duty_checks")
    h = {c.name: c.header for c in C.DUTY_CHECKS.columns}
    header = [h[c.name] for c in C.DUTY_CHECKS.columns]
    start = dt.datetime(2022, 2, 1)
    day = rng.integers(0, 59, n_checks)
    hour = rng.choice([7, 8, 9, 10, 11, 13, 14, 15, 16, 19, 20, 21], n_checks,
                      p=[.08, .12, .12, .1, .06, .12, .08, .1, .08, .06, .05, .03])
    when = [start + dt.timedelta(days=int(d), hours=int(hr), minutes=int(mi))
            for d, hr, mi in zip(day, hour, rng.integers(0, 60, n_checks))]
    present = np.ones(n_checks, dtype=bool)
    lunch = [i for i, w in enumerate(when) if w.hour == 13 or (w.hour == 14 and w.minute == 0)]
    evening = [i for i, w in enumerate(when) if w.hour >= 19]
    absent = list(rng.choice(lunch, size=min(5, len(lunch)), replace=False))
    absent += list(rng.choice([i for i in evening if i not in absent], size=min(3, len(evening)), replace=False))
    present[absent] = False
    communes = rng.integers(0, province.n, n_checks)
    order = sorted(range(n_checks), key=lambda i: when[i])
    files = rows = 0
    for month in (2, 3):
        out = []
        for i in order:
            if when[i].month != month:
                continue
            note = rng.choice(PRESENT_NOTES) if present[i] else rng.choice(ABSENT_NOTES)
            out.append([province.communes["code"].iloc[communes[i]], when[i].strftime("%d/%m/%Y %H:%M"),
                        "Có" if present[i] else "Không", str(note)])
        path = folder / f"kiem_tra_truc_2022-{month:02d}.csv"
        rows += write_csv(path, header, out)
        files += 1
        receipts.stamp(path, dt.datetime(2022, month + 1, 2, 10, 0))
    return {"files": files, "rows": rows}
