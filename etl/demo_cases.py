"""Daily cases per commune of the demo.

Calibration (Vĩnh Phúc): up to 21/01/2022 the province's daily new cases and deaths are the real series
published by the national COVID-19 portal (data/reference, 7,349 cases, 8 deaths). From 22/01/2022 an
Omicron wave brings the cumulative count to 69,387 on 20/02/2022 and deaths to 15 (national CDC portal
figures for that date), peaks in March 2022 and fades to a few cases a day by late June.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from etl import contracts as C
from etl.demo_base import (
    LAST_DAY, REFERENCE, Province, Receipts, allocate, commune_label, days, dmy, rng_for, vn_number, write_csv,
    write_xlsx,
)

START = dt.date(2020, 3, 18)
REAL_END = dt.date(2022, 1, 21)
CHECKPOINT = dt.date(2022, 2, 20)
CUM_CASES_CHECKPOINT = 69_387
CUM_DEATHS_CHECKPOINT = 15
VP_POPULATION = 1_151_154
# Daily new cases of the Omicron wave at knots (log-linear in between), before noise.
OMICRON = [("2022-01-21", 330), ("2022-01-31", 1500), ("2022-02-10", 2800), ("2022-02-20", 3700),
           ("2022-03-05", 5200), ("2022-03-12", 5600), ("2022-03-20", 4300), ("2022-03-31", 2200),
           ("2022-04-15", 550), ("2022-04-30", 150), ("2022-05-15", 45), ("2022-05-31", 16),
           ("2022-06-15", 7), ("2022-06-30", 4)]
DEATHS_AFTER_CHECKPOINT = 11
COLUMNS = ("new_f0", "new_f0_from_f1", "active_home", "active_facility", "recovered", "new_severe", "deaths",
           "active_with_antiviral", "active_monitored")


@dataclass
class Cases:
    days: pd.DatetimeIndex
    values: dict[str, np.ndarray]   # column -> (days, communes)
    reported: np.ndarray            # (days, communes) False where the commune sent no row
    care_gap_districts: list[str]


def _province_series(province: Province, rng: np.random.Generator, day_index: pd.DatetimeIndex):
    # The portal skipped 30 quiet days of 2020 (no cases): they count as zero.
    ref = pd.read_csv(REFERENCE / "cases_daily_vinh_phuc_2020-03-18_2022-01-21.csv", parse_dates=["date"])
    ref = ref.set_index("date").reindex(pd.date_range(START, REAL_END), fill_value=0)
    n_real = len(ref)
    new = np.zeros(len(day_index), dtype=np.int64)
    deaths = np.zeros(len(day_index), dtype=np.int64)
    scale = 1.0 if province.calibrated else province.communes["pop_total"].sum() / VP_POPULATION
    if province.calibrated:
        new[:n_real] = ref["new_cases"].to_numpy()
        deaths[:n_real] = ref["new_deaths"].to_numpy()
    else:
        new[:n_real] = rng.poisson(ref["new_cases"].to_numpy() * scale)
        deaths[:n_real] = rng.poisson(ref["new_deaths"].to_numpy() * scale)
    t = np.arange(len(day_index))
    kx = np.array([(dt.date.fromisoformat(d) - START).days for d, _ in OMICRON])
    curve = np.exp(np.interp(t, kx, np.log([v for _, v in OMICRON])))
    curve *= rng.lognormal(0.0, 0.07, len(t)) * np.where(day_index.day_of_week == 6, 0.85, 1.0) * scale
    wave = t >= n_real
    window = wave & (t <= (CHECKPOINT - START).days)
    if province.calibrated:
        new[window] = allocate(CUM_CASES_CHECKPOINT - int(new[:n_real].sum()), curve[window])
    else:
        new[window] = np.round(curve[window])
    new[wave & ~window] = np.round(curve[wave & ~window])
    lagged = np.roll(curve, 10)
    death_total = CUM_DEATHS_CHECKPOINT - int(deaths[:n_real].sum()) if province.calibrated \
        else int(round((CUM_DEATHS_CHECKPOINT - 8) * scale))
    deaths[window] = rng.multinomial(max(death_total, 0), lagged[window] / lagged[window].sum())
    late = wave & ~window & (day_index < pd.Timestamp("2022-05-01"))
    deaths[late] = rng.multinomial(int(round(DEATHS_AFTER_CHECKPOINT * scale)), lagged[late] / lagged[late].sum())
    return new, deaths


def _cluster_weights(province: Province, rng: np.random.Generator, day_index: pd.DatetimeIndex) -> np.ndarray:
    """(days, communes) chance of a case being in each commune: clustered outbreaks before Omicron, diffuse after."""
    pop = province.communes["pop_total"].to_numpy(dtype=float)
    episode = np.arange(len(day_index)) // 10
    omicron = day_index >= pd.Timestamp(REAL_END + dt.timedelta(days=1))
    g_early = rng.gamma(0.15, 1.0, (episode.max() + 1, province.n)) + 1e-6
    g_wave = rng.gamma(3.0, 1.0, (episode.max() + 1, province.n))
    w = np.where(omicron[:, None], g_wave[episode], g_early[episode]) * pop
    return w / w.sum(axis=1, keepdims=True)


def build_cases(province: Province, seed: int) -> Cases:
    rng = rng_for(seed, "cases")
    day_index = days(START, LAST_DAY)
    n_days, n = len(day_index), province.n
    new_p, deaths_p = _province_series(province, rng, day_index)
    new = rng.multinomial(new_p, _cluster_weights(province, rng, day_index))
    didx = province.district_index()
    lag_d = np.flatnonzero(province.districts["lagging"].to_numpy())
    gap_d = [int(lag_d[-1])] if len(lag_d) else [len(province.districts) - 1]
    if province.calibrated:
        gap_d = [int(np.flatnonzero(province.districts["code"] == "246")[0]), int(lag_d[-1])]
    # A growing cluster in the last fortnight in one care-gap district, so its growing gap is visible.
    hot = np.flatnonzero(didx == gap_d[-1])[:2]
    new[-14:, hot] += rng.poisson(np.linspace(1.0, 5.0, 14)[:, None], (14, len(hot)))

    deaths = np.zeros((n_days, n), dtype=np.int64)
    recovered = np.zeros((n_days, n), dtype=np.int64)
    active_all = np.zeros((n_days, n), dtype=np.int64)
    sched = np.zeros((n_days + 40, n), dtype=np.int64)
    short = day_index >= pd.Timestamp("2021-12-01")
    active = np.zeros(n, dtype=np.int64)
    cum_cases = np.zeros(n, dtype=np.int64)
    pop = province.communes["pop_total"].to_numpy()
    cum_deaths = np.zeros(n, dtype=np.int64)
    for t in range(n_days):
        pool = active + new[t]
        cum_cases += new[t]
        for _ in range(int(deaths_p[t])):
            # Deaths come from active cases; on the rare day with none left (a death reported after discharge),
            # from a commune that has had cases, so no commune ever has more deaths than cases.
            weights = next(w for w in (pool, np.maximum(cum_cases - cum_deaths, 0), pop) if w.sum() > 0)
            c = rng.choice(n, p=weights / weights.sum())
            deaths[t, c] += 1
            cum_deaths[c] += 1
            pool[c] = max(pool[c] - 1, 0)
        # Stays: 2–3 weeks in hospital before home care (Dec 2021), 7–10 days after.
        delays = np.arange(7, 11) if short[t] else np.arange(14, 25)
        split = rng.multinomial(new[t], np.full(len(delays), 1.0 / len(delays)))
        sched[t + delays] += split.T
        recovered[t] = np.minimum(sched[t], pool)
        active = pool - recovered[t]
        active_all[t] = active

    ramp = np.clip((np.arange(n_days) - (dt.date(2021, 12, 1) - START).days) / 45.0, 0.0, 1.0)
    home_share = ramp[:, None] * rng.uniform(0.86, 0.94, n)[None, :]
    active_home = np.round(active_all * home_share).astype(np.int64)
    week = np.arange(n_days) // 7
    in_gap = np.isin(didx, gap_d)
    level_av = np.where(in_gap, rng.uniform(0.70, 0.82, (week.max() + 1, n)), rng.uniform(0.85, 1.0, (week.max() + 1, n)))
    level_mo = np.where(in_gap, rng.uniform(0.76, 0.86, (week.max() + 1, n)), rng.uniform(0.92, 1.0, (week.max() + 1, n)))
    values = {
        "new_f0": new,
        "new_f0_from_f1": rng.binomial(new, rng.uniform(0.4, 0.7, (n_days // 30 + 1, n))[np.arange(n_days) // 30]),
        "active_home": active_home,
        "active_facility": active_all - active_home,
        "recovered": recovered,
        "new_severe": rng.binomial(new, np.where(day_index < pd.Timestamp("2022-01-01"), 0.01, 0.0015)[:, None]),
        "deaths": deaths,
        "active_with_antiviral": rng.binomial(active_all, level_av[week]),
        "active_monitored": rng.binomial(active_all, level_mo[week]),
    }
    # The care-gap districts stop keeping up in the last week: medicine and monitoring stay at the level of
    # 8 days before the end while cases keep coming, so the gap widens day on day.
    for col in ("active_with_antiviral", "active_monitored"):
        frozen = values[col][-8]
        values[col][-7:, in_gap] = np.minimum(active_all[-7:, in_gap], frozen[in_gap])
    reported = np.ones((n_days, n), dtype=bool)
    reported[-2] = rng.random(n) > 0.2
    reported[-1] = rng.random(n) > 0.4
    codes = province.districts["code"].to_numpy()
    return Cases(day_index, values, reported, [str(codes[i]) for i in gap_d])


def _month_rows(province: Province, cases: Cases, pos: np.ndarray, style: str | None, date_cells: bool):
    """Rows of one file; style None writes codes and numbers, otherwise names (mixed styles) and text numbers."""
    com = province.communes
    unique = province.unique_name_mask()
    styles = ("full", "ascii", "short", "plain")
    labels = []
    for i, row in enumerate(com.itertuples()):
        if style is None or not unique[i]:
            labels.append(row.code)
        else:
            labels.append(commune_label(row, styles[i % len(styles)] if style == "mixed" else style))
    block = np.stack([cases.values[c][pos] for c in COLUMNS], axis=2)  # (days, communes, columns)
    for k, t in enumerate(pos):
        day = cases.days[t].date()
        when = day if date_cells else dmy(day)
        for c in np.flatnonzero(cases.reported[t]):
            nums = block[k, c]
            yield [labels[c], when, *(nums.tolist() if style is None else (vn_number(v) for v in nums))]


def write_cases(folder: Path, province: Province, cases: Cases, receipts: Receipts, progress) -> dict:
    """Monthly CSVs, but for two months of 2022 sent as workbooks the way a commune office types them: by commune name
    (one with prefixes and diacritics mixed, one in plain ASCII), numbers as Vietnamese text. The workbooks exercise
    what the reader must handle; more of them would only slow the first start."""
    h = {c.name: c.header for c in C.CASES.columns}
    header_code = [h["commune"], h["report_date"], *(h[c] for c in COLUMNS)]
    header_name = [C.CASES.column("commune").aliases[2], *header_code[1:]]
    months = sorted({(d.year, d.month) for d in cases.days})
    by_name = {(2022, 3): "mixed", (2022, 5): "ascii"}
    files = rows = 0
    for i, (y, m) in enumerate(months):
        pos = np.flatnonzero((cases.days.year == y) & (cases.days.month == m))
        style = by_name.get((y, m))
        if style is None:
            path = folder / f"ca_benh_{y}-{m:02d}.csv"
            rows += write_csv(path, header_code, _month_rows(province, cases, pos, None, date_cells=False))
        else:
            path = folder / f"ca_benh_{y}-{m:02d}.xlsx"
            rows += write_xlsx(path, header_name, _month_rows(province, cases, pos, style, date_cells=False),
                               sheet=f"T{m:02d}-{y}")
        files += 1
        received = dt.datetime(y + (m == 12), m % 12 + 1, 1, 8, 0) if (y, m) != (2022, 6) \
            else dt.datetime(2022, 6, 30, 22, 0)
        receipts.stamp(path, received)
        progress(f"Ca bệnh: {path.name}", (i + 1) / len(months))
    return {"files": files, "rows": rows}
