"""Vaccine stock ledgers of the demo: the provincial CDC store and one store per district.

The province receives lots ahead of need and issues to districts twice a week; districts administer what the
platform says they gave (by district and product), first-expiring lot first. June 2022 carries the situations
the dashboard must show: one district holding a surplus of a product while another runs dry, a product nobody has
administered for months (Vero Cell) whose doses wait at the province store, one row whose on-hand figure is negative
(a typing error), and, on the evening of the last day, a short-dated donated lot at the province store for the
planner to allocate: with the AstraZeneca lot left at the store it is more than the districts that have vaccinated
most of their people can use before it expires, but within what the lagging districts can (a split by population
lets doses expire that an allocation by need and pace does not; tests/test_etl_demo.py measures both).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from etl import contracts as C
from etl.demo_base import LAST_DAY, Province, Receipts, district_label, dmy, rng_for, write_csv, write_xlsx
from etl.demo_vax import PRODUCTS, SERIES, START, Vax

LEDGER_START = START - dt.timedelta(days=5)
SHELF_MONTHS = {"AstraZeneca": (3, 6), "Pfizer": (4, 8), "Moderna": (3, 6), "Vero Cell": (12, 18), "Sputnik V": (4, 6)}
LOT_PREFIX = {"AstraZeneca": "A", "Pfizer": "FK", "Moderna": "MD", "Vero Cell": "2021", "Sputnik V": "SP"}
PROVINCE = "Tỉnh"
# The short-dated donation the province store receives on the evening of the last day (Vĩnh Phúc's size; others scale)
DONATION_DOSES, DONATION_VIAL, DONATION_EXPIRY = 12000, 6, LAST_DAY + dt.timedelta(days=36)


class Ledger:
    """Lot balances per store and the day's movements, turned into ledger rows at the end of each day."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.lots: list[tuple[str, str, dt.date]] = []                  # (code, product, expiry)
        self.balance: dict[tuple[str, int], int] = {}                   # (store, lot) -> doses
        self.held: dict[tuple[str, str], set[int]] = {}                 # (store, product) -> lots with doses
        self.moves: dict[tuple[str, int], list[int]] = {}               # today: received, issued, administered, wasted
        self.rows: list[tuple] = []

    def new_lot(self, product: str, day: dt.date, months: int | None = None, expiry: dt.date | None = None) -> int:
        lo, hi = SHELF_MONTHS[product]
        months = months if months is not None else int(self.rng.integers(lo, hi + 1))
        expiry = expiry or day + dt.timedelta(days=30 * months + int(self.rng.integers(0, 20)))
        code = f"{LOT_PREFIX[product]}{int(self.rng.integers(1000, 10000))}"
        self.lots.append((code, product, expiry))
        return len(self.lots) - 1

    def _move(self, store: str, lot: int, kind: int, qty: int) -> None:
        self.moves.setdefault((store, lot), [0, 0, 0, 0])[kind] += qty
        q = self.balance.get((store, lot), 0) + (qty if kind == 0 else -qty)
        self.balance[(store, lot)] = q
        held = self.held.setdefault((store, self.lots[lot][1]), set())
        if q > 0:
            held.add(lot)
        else:
            held.discard(lot)

    def usable(self, store: str, product: str, day: dt.date) -> list[int]:
        """Unexpired lots of a product the store holds, first-expiring first."""
        lots = [lot for lot in self.held.get((store, product), ()) if self.lots[lot][2] >= day]
        return sorted(lots, key=lambda lot: (self.lots[lot][2], lot))

    def on_hand(self, store: str, product: str, day: dt.date) -> int:
        return sum(self.balance[(store, lot)] for lot in self.usable(store, product, day))

    def receive(self, store: str, lot: int, qty: int) -> None:
        self._move(store, lot, 0, qty)

    def take(self, store: str, product: str, day: dt.date, qty: int, kind: int, to: str | None = None) -> int:
        """Issue (kind 1, to another store), administer (2) or discard (3) qty, first-expiring lot first."""
        done = 0
        for lot in self.usable(store, product, day):
            part = min(qty - done, self.balance[(store, lot)])
            self._move(store, lot, kind, part)
            if to is not None:
                self._move(to, lot, 0, part)
            done += part
            if done == qty:
                break
        return done

    def close_day(self, day: dt.date) -> None:
        for (store, _), lots in list(self.held.items()):
            for lot in [lot for lot in lots if self.lots[lot][2] == day]:
                self._move(store, lot, 3, self.balance[(store, lot)])  # expires tonight: destroyed
        for (store, lot), (rec, iss, adm, was) in sorted(self.moves.items()):
            code, product, expiry = self.lots[lot]
            self.rows.append((store, day, product, code, expiry, rec, iss, adm, was, self.balance[(store, lot)]))
        self.moves = {}


def build_stock(province: Province, vax: Vax, seed: int) -> tuple[list[tuple], dict[str, str]]:
    """Ledger rows (store code or 'Tỉnh', date, product, lot, expiry, received, issued, administered, wasted,
    on hand) and the roles of the June stories."""
    rng = rng_for(seed, "stock")
    didx = province.district_index()
    codes = list(province.districts["code"])
    total = sum(vax.doses[s] for s in SERIES)  # (communes, days, products)
    use = np.stack([total[didx == k].sum(axis=0) for k in range(len(codes))])  # (districts, days, products)
    lagging = [c for c, lag in zip(codes, province.districts["lagging"]) if lag]
    short_d = lagging[-1] if lagging else codes[-1]
    surplus_d = "252" if province.calibrated else next(c for c in codes if c != short_d)
    scale = province.communes["pop_total"].sum() / 1_151_154
    ledger = Ledger(rng)
    n_days = (LAST_DAY - LEDGER_START).days + 1
    offset = (START - LEDGER_START).days

    def usage(k: int, t: int, horizon: int, p: int) -> int:
        a, b = max(t - offset, 0), max(t - offset + horizon, 0)
        return int(use[k, a:b, p].sum())

    for t in range(n_days):
        day = LEDGER_START + dt.timedelta(days=t)
        for p, product in enumerate(PRODUCTS):
            held = ledger.on_hand(PROVINCE, product, day) + sum(ledger.on_hand(c, product, day) for c in codes)
            need = sum(usage(k, t, 21, p) for k in range(len(codes)))
            if need and held < need:
                qty = int(np.ceil(sum(usage(k, t, 42, p) for k in range(len(codes))) * rng.uniform(1.05, 1.25) / 100) * 100)
                ledger.receive(PROVINCE, ledger.new_lot(product, day), qty)
        if day == dt.date(2022, 5, 10):
            # A donated lot with a short shelf life, used before it expires.
            ledger.receive(PROVINCE, ledger.new_lot("Moderna", day, months=2), int(round(15000 * scale, -2)))
        june = day >= dt.date(2022, 6, 1)
        for k, code in enumerate(codes):
            for p, product in enumerate(PRODUCTS):
                if june and code == short_d and product == "Pfizer":
                    want = usage(k, t, 1, p) - ledger.on_hand(code, product, day)  # hand to mouth: nothing left over
                elif day.weekday() in (0, 3):
                    want = int(np.ceil(usage(k, t, 7, p) * 1.2 / 10) * 10) - ledger.on_hand(code, product, day)
                else:
                    want = usage(k, t, 1, p) - ledger.on_hand(code, product, day)  # emergency top-up
                if june and code == surplus_d and product == "Pfizer" and day == dt.date(2022, 6, 2):
                    want = max(want, 0) + int(round(max(3 * usage(k, t, 29, p), 2000 * scale), -1))
                if want > 0:
                    got = ledger.take(PROVINCE, product, day, want, 1, to=code)
                    if got < want:
                        lot = ledger.new_lot(product, day)
                        ledger.receive(PROVINCE, lot, int(np.ceil((want - got) / 100) * 100))
                        ledger.take(PROVINCE, product, day, want - got, 1, to=code)
                given = usage(k, t, 1, p)
                if given:
                    ledger.take(code, product, day, given, 2)
                    if rng.random() < 0.08:
                        ledger.take(code, product, day, max(1, int(rng.binomial(given, 0.01))), 3)
        if day == LAST_DAY:
            # The evening's donation, after the day's issues: whole vials of 6, expiring in 5 weeks.
            lot = ledger.new_lot("Pfizer", day, expiry=DONATION_EXPIRY)
            ledger.receive(PROVINCE, lot, DONATION_VIAL * max(1, int(round(DONATION_DOSES * scale / DONATION_VIAL))))
        ledger.close_day(day)
    rows = ledger.rows
    april = [i for i, r in enumerate(rows) if r[0] != PROVINCE and r[1].month == 4 and r[1].year == 2022 and r[7] > 0]
    i = int(rng.choice(april)) if april else len(rows) - 1
    r = rows[i]
    rows[i] = (*r[:9], -max(r[7], 1))  # administered entered again in the on-hand cell
    return rows, {"surplus": surplus_d, "short": short_d, "negative_row": str(i)}


def write_stock(folder: Path, province: Province, vax: Vax, seed: int, receipts: Receipts) -> dict:
    """One ledger file per store; districts name their store differently (full name, code, short name)."""
    rows, roles = build_stock(province, vax, seed)
    h = {c.name: c.header for c in C.STOCK.columns}
    header = [h[c.name] for c in C.STOCK.columns]
    d = province.districts
    stores = [PROVINCE, *d["code"]]
    files = n = 0
    for k, store in enumerate(stores):
        if store == PROVINCE:
            label, slug = PROVINCE, "tinh"
        else:
            style = ("full", "code", "short")[k % 3]
            name, dtype = d.loc[d["code"] == store, ["name", "type"]].iloc[0]
            label, slug = district_label(store, name, dtype, style), store
        mine = [r for r in rows if r[0] == store]
        if k % 4 == 2:
            path = folder / f"so_vac_xin_{slug}.xlsx"
            n += write_xlsx(path, header, ([label, r[1], r[2], r[3], r[4], *r[5:]] for r in mine), sheet="Sổ vắc xin")
        else:
            path = folder / f"so_vac_xin_{slug}.csv"
            n += write_csv(path, header, ([label, dmy(r[1]), r[2], r[3], dmy(r[4]), *r[5:]] for r in mine))
        files += 1
        receipts.stamp(path, dt.datetime(2022, 6, 30, 19, 0) + dt.timedelta(minutes=3 * k))
    return {"files": files, "rows": n, **{f"role_{key}": value for key, value in roles.items()}}
