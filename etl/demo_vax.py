"""Vaccination platform export of the demo: doses per commune × day × cohort × dose × product.

Calibration (Vĩnh Phúc, start-of-period population, 15/03/2022, from the Chỉ thị of the provincial
Standing Committee): 18+ dose 1/2/3 = 99.82% / 98.09% / 83.15%, 12–17 dose 1/2 = 98.55% / 94.79%.
The number of people with ≥k doses on the cut date is fixed per commune first, then spread over days, so the
province totals are exact by construction rather than approached by tuning.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from etl import contracts as C
from etl.demo_base import LAST_DAY, Province, Receipts, allocate, days, dmy, rng_for, round_half_up, write_frame_csv

START = dt.date(2021, 3, 8)
CUT = dt.date(2022, 3, 15)
PRODUCTS = ("AstraZeneca", "Pfizer", "Moderna", "Vero Cell", "Sputnik V")
SERIES = (("18+", 1), ("18+", 2), ("18+", 3), ("18+", 4), ("12-17", 1), ("12-17", 2), ("5-11", 1), ("5-11", 2))
POP_COL = {"18+": "pop_18", "12-17": "pop_12_17", "5-11": "pop_5_11"}
CUT_PCT = {("18+", 1): "99.82", ("18+", 2): "98.09", ("18+", 3): "83.15", ("12-17", 1): "98.55", ("12-17", 2): "94.79"}
# Where lagging districts stand on the cut date: low enough that they miss the dose-2 and booster deadlines.
LAGGING_CUT = {("18+", 1): 0.993, ("18+", 2): 0.962, ("18+", 3): 0.74, ("12-17", 1): 0.972, ("12-17", 2): 0.885}
LAG_DAYS = 12
CAP = 0.9995  # nobody but the designated communes reaches 100% of its registered population

# Cumulative coverage of the cohort (province, no lag) at knots; the daily shape is what matters, the level is
# set per commune. Timeline: healthcare workers from 08/03/2021, slow until July, mass campaign Aug–Oct 2021,
# 12–17 from 25/10/2021, boosters from 20/11/2021 (3-month interval from 17/12/2021), 5–11 from 14/04/2022,
# dose 4 from 06/06/2022.
CURVES = {
    ("18+", 1): [("2021-03-08", 0), ("2021-04-30", 0.004), ("2021-06-30", 0.03), ("2021-07-31", 0.09),
                 ("2021-08-31", 0.40), ("2021-09-30", 0.78), ("2021-10-31", 0.955), ("2021-11-30", 0.985),
                 ("2021-12-31", 0.993), ("2022-03-15", 0.998), ("2022-06-30", 1.0)],
    ("18+", 2): [("2021-04-10", 0), ("2021-06-30", 0.01), ("2021-07-31", 0.03), ("2021-08-31", 0.10),
                 ("2021-09-30", 0.35), ("2021-10-31", 0.72), ("2021-11-30", 0.92), ("2021-12-31", 0.968),
                 ("2022-01-31", 0.975), ("2022-03-15", 0.981), ("2022-06-30", 0.986)],
    ("18+", 3): [("2021-11-20", 0), ("2021-12-16", 0.005), ("2021-12-31", 0.09), ("2022-01-31", 0.42),
                 ("2022-02-28", 0.72), ("2022-03-15", 0.8315), ("2022-03-31", 0.88), ("2022-04-30", 0.93),
                 ("2022-05-31", 0.955), ("2022-06-30", 0.965)],
    ("18+", 4): [("2022-06-06", 0), ("2022-06-15", 0.03), ("2022-06-30", 0.12)],
    ("12-17", 1): [("2021-10-25", 0), ("2021-11-15", 0.55), ("2021-11-30", 0.85), ("2021-12-31", 0.96),
                   ("2022-01-31", 0.978), ("2022-03-15", 0.9855), ("2022-06-30", 0.99)],
    ("12-17", 2): [("2021-11-22", 0), ("2021-12-15", 0.50), ("2021-12-31", 0.80), ("2022-01-31", 0.925),
                   ("2022-02-28", 0.944), ("2022-03-15", 0.9479), ("2022-06-30", 0.97)],
    ("5-11", 1): [("2022-04-14", 0), ("2022-04-30", 0.25), ("2022-05-15", 0.50), ("2022-05-31", 0.65),
                  ("2022-06-30", 0.75)],
    ("5-11", 2): [("2022-05-12", 0), ("2022-05-31", 0.15), ("2022-06-15", 0.35), ("2022-06-30", 0.50)],
}
# Coverage on 30/06/2022: ("inc", normal, lagging) adds to the cut level, ("abs", …) is the level itself.
FINAL = {
    ("18+", 1): ("inc", (0.0003, 0.001), (0.002, 0.004)), ("18+", 2): ("inc", (0.002, 0.006), (0.01, 0.015)),
    ("18+", 3): ("abs", (0.955, 0.975), (0.885, 0.91)), ("18+", 4): ("abs", (0.09, 0.15), (0.05, 0.08)),
    ("12-17", 1): ("inc", (0.002, 0.005), (0.006, 0.01)), ("12-17", 2): ("inc", (0.01, 0.02), (0.02, 0.03)),
    ("5-11", 1): ("abs", (0.72, 0.80), (0.55, 0.62)), ("5-11", 2): ("abs", (0.45, 0.55), (0.30, 0.38)),
}
# Minimum interval to the previous dose (days, in force from): a person cannot get dose k before it.
GAPS = {("18+", 2): [("2021-03-08", 28)], ("18+", 3): [("2021-11-01", 180), ("2021-12-17", 90)],
        ("18+", 4): [("2022-05-25", 120)], ("12-17", 2): [("2021-10-25", 21)], ("5-11", 2): [("2022-04-14", 21)]}
# Product mix of 18+ primary doses by period (deliveries: AstraZeneca first, Vero Cell and Sputnik V in the
# summer 2021 campaign, Pfizer/Moderna from the COVAX donations).
MIX_18 = [("2021-03-08", {"AstraZeneca": 1.0}),
          ("2021-07-01", {"AstraZeneca": .55, "Moderna": .25, "Pfizer": .10, "Vero Cell": .10}),
          ("2021-08-01", {"AstraZeneca": .35, "Vero Cell": .40, "Pfizer": .10, "Moderna": .10, "Sputnik V": .05}),
          ("2021-09-01", {"AstraZeneca": .30, "Vero Cell": .40, "Pfizer": .15, "Moderna": .08, "Sputnik V": .07}),
          ("2021-11-01", {"AstraZeneca": .45, "Pfizer": .30, "Vero Cell": .15, "Moderna": .10}),
          ("2022-01-01", {"AstraZeneca": .50, "Pfizer": .35, "Moderna": .15})]
MIX_BOOSTER = {"Pfizer": .45, "Moderna": .25, "AstraZeneca": .30}
MIX_12 = {"Pfizer": 1.0}
MIX_5 = {"Pfizer": .65, "Moderna": .35}


@dataclass
class Vax:
    days: pd.DatetimeIndex
    doses: dict[tuple[str, int], np.ndarray]        # series -> (communes, days, products) doses given
    corrected_days: list[int]                       # day positions the June re-export corrects
    first_export: dict[tuple[str, int], np.ndarray]  # series -> (communes, len(corrected_days), products)

    def day(self, d: dt.date) -> int:
        return (d - START).days

    def people(self, series: tuple[str, int]) -> np.ndarray:
        """(communes, days) people with at least this dose at the end of each day."""
        return np.cumsum(self.doses[series].sum(axis=2), axis=1)


def exact_count(pct: str, population: int) -> int:
    """The integer whose share of population rounds to pct (2 decimals)."""
    n = round_half_up(Decimal(pct) * population / 100)
    for candidate in (n, n - 1, n + 1):
        if f"{Decimal(candidate * 100) / population:.2f}" == pct:
            return candidate
    return n


def allocate_capped(total: int, weights: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """allocate() that never gives a commune more than its cap; the excess goes to the others."""
    out = np.zeros(len(weights), dtype=np.int64)
    free = np.ones(len(weights), dtype=bool)
    remaining = total
    for _ in range(len(weights) + 1):
        out[free] = allocate(remaining, weights[free])
        over = free & (out > caps)
        if not over.any():
            return out
        out[over] = caps[over]
        free &= ~over
        remaining = total - int(out[~free].sum())
    raise ValueError("không phân bổ được số người tiêm trong giới hạn dân số")


def _plan_people(province: Province, rng: np.random.Generator) -> dict[tuple[str, int], tuple[np.ndarray, np.ndarray]]:
    """People with ≥k doses per commune on the cut date and on the last day."""
    com = province.communes
    n = province.n
    lag = com["district_code"].map(dict(zip(province.districts["code"], province.districts["lagging"]))).to_numpy()
    over = np.zeros(n, dtype=bool)
    over[province.over_100] = True
    plan: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}
    for series in SERIES:
        cohort, dose = series
        pop = com[POP_COL[cohort]].to_numpy()
        prev = plan.get((cohort, dose - 1))
        cap = np.where(over, pop * 2, np.floor(pop * CAP)).astype(np.int64)
        cut_cap = np.minimum(cap, prev[0]) if prev else cap
        if series in CUT_PCT:
            total = exact_count(CUT_PCT[series], int(pop.sum()))
            cut = np.zeros(n, dtype=np.int64)
            fixed = lag.copy()
            cut[lag] = np.round(pop[lag] * LAGGING_CUT[series] * rng.uniform(0.995, 1.005, lag.sum()))
            if cohort == "18+" and dose <= 2:
                level = rng.uniform(1.02, 1.045, over.sum()) * (0.985 if dose == 2 else 1.0)
                cut[over] = np.round(pop[over] * level)
                fixed |= over
            cut = np.minimum(cut, cut_cap)
            # Commune-to-commune spread: tight near 100% (or the cap would bind), wider for the booster.
            spread = 0.001 if dose == 1 else 0.004 if series != ("18+", 3) else 0.02
            weights = pop[~fixed] * rng.uniform(1 - spread, 1 + spread, (~fixed).sum())
            cut[~fixed] = allocate_capped(total - int(cut[fixed].sum()), weights, cut_cap[~fixed])
        else:
            cut = np.zeros(n, dtype=np.int64)
        mode, normal, lagging = FINAL[series]
        level = np.where(lag, rng.uniform(*lagging, n), rng.uniform(*normal, n))
        final = cut + np.round(pop * level) if mode == "inc" else np.round(pop * level)
        final = np.maximum(np.minimum(final.astype(np.int64), cap), cut)
        if prev:
            final = np.maximum(np.minimum(final, prev[1]), cut)
        plan[series] = (cut, final)
    return plan


def _knots(points) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([(dt.date.fromisoformat(d) - START).days for d, _ in points], dtype=float)
    return x, np.array([v for _, v in points], dtype=float)


def _spread(n_people: np.ndarray, shape: np.ndarray, day_mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Multinomial spread of each commune's count over the allowed days, following shape × session noise."""
    weekday = np.array([0.35 if d.weekday() == 6 else 0.8 if d.weekday() == 5 else 1.0
                        for d in days(START, LAST_DAY)])
    w = shape * weekday * rng.gamma(0.8, 1.0, shape.shape) * day_mask
    empty = w.sum(axis=1) <= 0
    w[empty] = day_mask * 1.0
    w /= w.sum(axis=1, keepdims=True)
    return rng.multinomial(n_people, w)


def _gap_days(series, n_days: int) -> np.ndarray | None:
    if series not in GAPS:
        return None
    gap = np.full(n_days, GAPS[series][0][1])
    for since, value in GAPS[series]:
        gap[(dt.date.fromisoformat(since) - START).days:] = value
    return gap


def _daily(province: Province, plan, rng: np.random.Generator) -> dict[tuple[str, int], np.ndarray]:
    """(communes, days) doses per series: pre-cut and post-cut spread separately so cut totals stay exact."""
    n_days = (LAST_DAY - START).days + 1
    t = np.arange(n_days, dtype=float)
    cut_i = (CUT - START).days
    pre = t <= cut_i
    district_lag = np.where(province.districts["lagging"], LAG_DAYS, 0) + rng.integers(0, 5, len(province.districts))
    district_lag -= district_lag.min()  # someone starts on the campaign's first day
    lag = district_lag[province.district_index()]
    out: dict[tuple[str, int], np.ndarray] = {}
    people: dict[tuple[str, int], np.ndarray] = {}
    for series in SERIES:
        kx, ky = _knots(CURVES[series])
        shape = np.zeros((province.n, n_days))
        for value in np.unique(lag):
            rows = lag == value
            b = np.interp(t + 1 - value, kx, ky, left=0.0)  # coverage at the end of day t
            shape[rows] = np.diff(b, prepend=0.0)
        cut, final = plan[series]
        daily = _spread(cut, shape, pre, rng) + _spread(final - cut, shape, ~pre, rng)
        cum = np.cumsum(daily, axis=1)
        prev = people.get((series[0], series[1] - 1))
        gap = _gap_days(series, n_days)
        if prev is not None and gap is not None:
            src = np.arange(n_days) - gap
            shifted = np.where(src >= 0, prev[:, np.clip(src, 0, None)], 0)
            cum = np.minimum(cum, shifted)
            if province.calibrated and series in CUT_PCT and not np.array_equal(cum[:, cut_i], cut):
                raise AssertionError(f"khoảng cách tối thiểu làm lệch số mũi {series} ngày {CUT}")
        people[series] = cum
        out[series] = np.diff(cum, axis=1, prepend=0)
    return out


def _mix(series, day_index: pd.DatetimeIndex) -> np.ndarray:
    """(days, products) product shares for a series."""
    cohort, dose = series
    out = np.zeros((len(day_index), len(PRODUCTS)))
    if cohort == "18+" and dose <= 2:
        when = day_index - pd.Timedelta(days=42 if dose == 2 else 0)
        for since, mix in MIX_18:
            rows = when >= pd.Timestamp(since)
            out[rows] = [mix.get(p, 0.0) for p in PRODUCTS]
        out[out.sum(axis=1) == 0] = [MIX_18[0][1].get(p, 0.0) for p in PRODUCTS]
        return out
    mix = MIX_BOOSTER if cohort == "18+" else MIX_12 if cohort == "12-17" else MIX_5
    out[:] = [mix.get(p, 0.0) for p in PRODUCTS]
    return out


def build_vax(province: Province, seed: int) -> Vax:
    rng = rng_for(seed, "platform")
    plan = _plan_people(province, rng)
    daily = _daily(province, plan, rng)
    day_index = days(START, LAST_DAY)
    doses: dict[tuple[str, int], np.ndarray] = {}
    for series in SERIES:
        # A commune's session uses one or two products on a day, not the provincial mix: Dirichlet around it.
        g = rng.gamma(2.0 * _mix(series, day_index)[None, :, :], 1.0, (province.n, len(day_index), len(PRODUCTS)))
        total = g.sum(axis=2, keepdims=True)
        p = np.divide(g, total, out=np.full_like(g, 1.0 / len(PRODUCTS)), where=total > 0)
        doses[series] = rng.multinomial(daily[series], p).astype(np.int32)
    june = [i for i, d in enumerate(day_index) if d.month == 6 and d.year == 2022 and d.weekday() < 5 and d.day <= 24]
    corrected = sorted(int(i) for i in rng.choice(june, size=3, replace=False))
    # The first June export missed records entered late on those days: ~15% of doses, some communes entirely.
    first: dict[tuple[str, int], np.ndarray] = {}
    absent = rng.random((province.n, len(corrected))) < 0.1
    for series in SERIES:
        true = doses[series][:, corrected, :]
        first[series] = np.where(absent[:, :, None], 0, rng.binomial(true, 0.85)).astype(np.int32)
    return Vax(day_index, doses, corrected, first)


def platform_frame(province: Province, vax: Vax, arrays: dict[tuple[str, int], np.ndarray], day_pos) -> pd.DataFrame:
    """Long table (rows > 0 only) in contract headers; arrays are (communes, len(day_pos), products)."""
    h = {c.name: c.header for c in C.PLATFORM.columns}
    parts = []
    for k, series in enumerate(SERIES):
        c, t, p = np.nonzero(arrays[series])
        parts.append(pd.DataFrame({"c": c, "t": np.asarray(day_pos)[t], "s": k, "p": p,
                                   "n": arrays[series][c, t, p]}))
    long = pd.concat(parts, ignore_index=True).sort_values(["t", "c", "s", "p"], kind="stable")
    codes = province.communes["code"].to_numpy()
    labels = np.array([dmy(d) for d in vax.days])
    cohorts = np.array([s[0] for s in SERIES])
    dose_no = np.array([s[1] for s in SERIES])
    return pd.DataFrame({
        h["commune"]: codes[long["c"].to_numpy()],
        h["vaccination_date"]: labels[long["t"].to_numpy()],
        h["cohort"]: cohorts[long["s"].to_numpy()],
        h["dose"]: dose_no[long["s"].to_numpy()],
        h["product"]: np.array(PRODUCTS)[long["p"].to_numpy()],
        h["doses"]: long["n"].to_numpy(),
    })


def write_platform(folder: Path, province: Province, vax: Vax, receipts: Receipts, progress) -> dict:
    """One export per calendar month (received the next morning), then the June re-export that corrects days."""
    files = rows = 0
    months = sorted({(d.year, d.month) for d in vax.days})
    first_june = dict(zip(vax.corrected_days, range(len(vax.corrected_days))))
    for i, (y, m) in enumerate(months):
        pos = [j for j, d in enumerate(vax.days) if (d.year, d.month) == (y, m)]
        arrays = {s: vax.doses[s][:, pos, :].copy() for s in SERIES}
        for local, j in enumerate(pos):
            if j in first_june:
                for s in SERIES:
                    arrays[s][:, local, :] = vax.first_export[s][:, first_june[j], :]
        frame = platform_frame(province, vax, arrays, pos)
        path = folder / f"xuat_nen_tang_{y}-{m:02d}.csv"
        rows += write_frame_csv(path, frame)
        files += 1
        received = dt.datetime(y + (m == 12), m % 12 + 1, 1, 6, 30) if (y, m) != (2022, 6) \
            else dt.datetime(2022, 6, 30, 21, 0)
        receipts.stamp(path, received)
        progress(f"Nền tảng tiêm chủng: {path.name}", (i + 1) / (len(months) + 1))
    arrays = {s: vax.doses[s][:, vax.corrected_days, :] for s in SERIES}
    path = folder / "xuat_nen_tang_2022-06_bo_sung.csv"
    rows += write_frame_csv(path, platform_frame(province, vax, arrays, vax.corrected_days))
    receipts.stamp(path, dt.datetime(2022, 6, 30, 23, 15))
    progress(f"Nền tảng tiêm chủng: {path.name}", 1.0)
    return {"files": files + 1, "rows": rows}
