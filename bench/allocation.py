"""Benchmark of the allocation model (app/allocation.py): prints its figures, asserts nothing.

    python bench/allocation.py demo        a demo-size province (Vĩnh Phúc's 9 districts, 15 province lots of six
                                           products, the districts' own stock): solve time        target ≤ 1 s
    python bench/allocation.py national    every district of the 2019 census (709 in 63 provinces), 32 province lots
                                           each (2.016 lots), solved per province as independent problems on 2
                                           processes: total wall time ≤ 30 s, optimality gap ≤ 0,1 %, time per stage
    python bench/allocation.py all         both

The instances are invented (seeded): sizes, paces and expiries of the order of the demo's June 2022 stock.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import allocation as A  # noqa: E402
from app.formatting import num, pct  # noqa: E402

AS_OF = dt.date(2022, 6, 30)
APPROVALS = [
    A.Approval("AstraZeneca", ("18+",), (1, 2, 3, 4), 10, "Quyết định 2626/QĐ-BYT"),
    A.Approval("Pfizer", ("18+", "12-17"), (1, 2, 3, 4), 6, "Quyết định 2626/QĐ-BYT"),
    A.Approval("Moderna", ("18+",), (1, 2, 3, 4), 10, "Quyết định 2626/QĐ-BYT"),
    A.Approval("Vero Cell", ("18+",), (1, 2, 3), 1, "Quyết định 2626/QĐ-BYT"),
    A.Approval("Sputnik V", ("18+",), (1, 2), 5, "Quyết định 2626/QĐ-BYT"),
    A.Approval("Pfizer 5-11", ("5-11",), (1, 2), 10, "Quyết định 1295/QĐ-BYT"),
]
# (product, share of the lots, shelf life left in days low-high, doses per lot low-high)
MIX = [("AstraZeneca", 0.25, (10, 120), (2_000, 25_000)), ("Pfizer", 0.25, (20, 150), (1_200, 18_000)),
       ("Moderna", 0.15, (15, 120), (1_000, 10_000)), ("Vero Cell", 0.15, (60, 400), (2_000, 40_000)),
       ("Sputnik V", 0.05, (10, 90), (500, 5_000)), ("Pfizer 5-11", 0.15, (30, 180), (1_000, 15_000))]
ROWS = [("18+", 3, 3.0), ("18+", 4, 1.0), ("18+", 1, 2.0), ("12-17", 2, 2.0), ("12-17", 3, 1.0), ("5-11", 1, 3.0),
        ("5-11", 2, 2.0)]
SHARE = {"18+": 0.68, "12-17": 0.09, "5-11": 0.11}


def census() -> pd.DataFrame:
    frame = pd.read_csv(ROOT / "data/reference/census2019_district.csv", dtype={"province_code": str,
                                                                                "district_code": str})
    return frame.dropna(subset=["district_code", "population_2019"])


def province(seed: int, districts: pd.DataFrame, n_lots: int) -> A.AllocationInput:
    """One province: its districts (code, name, population), n_lots province lots, need, pace, own stock."""
    rng = np.random.default_rng(seed)
    codes = districts["district_code"].tolist()
    people = dict(zip(codes, districts["population_2019"]))
    dpv = {a.product: a.doses_per_vial for a in APPROVALS}
    products = [m[0] for m in MIX]
    picks = rng.choice(len(MIX), size=n_lots, p=[m[1] for m in MIX])
    lots = []
    for i, k in enumerate(picks):
        product, _, (lo, hi), (dlo, dhi) = MIX[k]
        doses = int(rng.integers(dlo, dhi))
        lots.append((f"{product[:2].upper()}{seed % 1000:03d}{i:02d}", product,
                     AS_OF + dt.timedelta(days=int(rng.integers(lo, hi))), max(doses // dpv[product], 1)))
    need, pace, own, population = [], [], [], []
    for d in codes:
        pop = people[d]
        for cohort, share in SHARE.items():
            population.append((d, cohort, int(pop * share)))
        for cohort, dose, weight in ROWS:
            still = int(pop * SHARE[cohort] * rng.uniform(0.0, 0.12))
            need.append((d, cohort, dose, still, weight))
        for product in products:
            # a district of 130.000 people gives some 370 doses a day in all, as in the demo's June
            pace.append((d, product, float(pop / 130_000 * 370 * rng.uniform(0.05, 0.4)), 7))
            if rng.random() < 0.4:
                expiry = AS_OF + dt.timedelta(days=int(rng.integers(5, 150)))
                own.append((d, product, f"K{products.index(product)}{d}", expiry, int(rng.integers(50, 3_000))))
    frame = pd.DataFrame({"district": codes, "name": districts["district_name"].tolist(),
                          "capacity_doses": [float(people[d] * 0.2) for d in codes],
                          "min_vials": [5] * len(codes)})
    return A.AllocationInput.from_rows(AS_OF, lots, frame, need, pace, APPROVALS, own, population,
                                       A.Options(mip_rel_gap=1e-4))


def timed(inp: A.AllocationInput) -> dict:
    started = time.perf_counter()
    proposal = A.solve(inp)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "status": proposal.status,
            "stages": [(s.name, s.seconds, s.gap) for s in proposal.stages],
            "expiring": proposal.outcome.expiring_unused if proposal.outcome else None,
            "unmet": proposal.outcome.unmet_people if proposal.outcome else None,
            "districts": len(inp.districts), "lots": len(inp.lots)}


def demo() -> None:
    frame = census()
    inp = province(26, frame[frame["province_code"] == "26"], 15)
    A.solve(inp)  # the first solve pays for loading HiGHS
    runs = [timed(inp) for _ in range(3)]
    best = min(runs, key=lambda r: r["seconds"])
    proposal = A.solve(inp)
    table = A.compare(inp, proposal).set_index("key")
    print(f"demo province: {best['districts']} districts, {best['lots']} lots, status {best['status']}")
    print(f"  solve (prepare, 4 stages, evaluate, explanations): best of 3 {num(best['seconds'], 3)} s "
          f"(target ≤ 1 s); runs {', '.join(num(r['seconds'], 3) for r in runs)} s")
    for name, seconds, gap in best["stages"]:
        print(f"  stage {name:<10} {num(seconds * 1000, 1)} ms, gap {pct(gap * 100, 4)}")
    for key, row in table.iterrows():
        print(f"  {row['label']}: chia theo dân số {num(row['pro_rata'])}, đề xuất {num(row['proposal'])}")


def national(workers: int = 2) -> None:
    frame = census()
    groups = [(int(code), g) for code, g in frame.groupby("province_code")]
    jobs = [province(code, g, 32) for code, g in groups]
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(timed, jobs))
    wall = time.perf_counter() - started
    stages: dict[str, list[float]] = {}
    gaps = []
    for r in results:
        for name, seconds, gap in r["stages"]:
            stages.setdefault(name, []).append(seconds)
            gaps.append(gap)
    slowest = max(results, key=lambda r: r["seconds"])
    print(f"national: {len(results)} provinces, {sum(r['districts'] for r in results)} districts, "
          f"{sum(r['lots'] for r in results)} lots, {workers} processes; statuses "
          f"{sorted({r['status'] for r in results})}")
    print(f"  wall time {num(wall, 2)} s (target ≤ 30 s); solve time summed over provinces "
          f"{num(sum(r['seconds'] for r in results), 2)} s; slowest province {num(slowest['seconds'], 3)} s "
          f"({slowest['districts']} districts)")
    print(f"  optimality gap: largest {pct(max(gaps) * 100, 4)} (target ≤ 0,1%)")
    for name, times in stages.items():
        print(f"  stage {name:<10} total {num(sum(times), 2)} s, largest {num(max(times) * 1000, 1)} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["demo", "national", "all"])
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.what in ("demo", "all"):
        demo()
    if args.what in ("national", "all"):
        national(args.workers)


if __name__ == "__main__":
    main()
