"""Shared pieces of the demo inbox: the province's units and population, random streams, received times, writers.

The demo is synthetic but calibrated on public facts for Vĩnh Phúc (26); see etl/demo.py for the sources.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
import zlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from etl.textnorm import norm_key, strip_diacritics

REFERENCE = Path(__file__).resolve().parent.parent / "data" / "reference"
CALIBRATED = "26"
LAST_DAY = dt.date(2022, 6, 30)
VN_TZ = dt.timezone(dt.timedelta(hours=7))

# Vĩnh Phúc specifics: the lagging mountain districts, the industrial ones (more people present than
# registered), and three communes next to industrial parks whose residents-plus-workers push dose 1 past 100%.
VP_LAGGING = ("248", "253")
VP_INDUSTRIAL = ("243", "244", "249")
VP_OVER_100 = ("Phường Khai Quang", "Thị trấn Bá Hiến", "Xã Thiện Kế")
URBAN_DISTRICT_TYPES = ("Quận", "Thành phố", "Thị xã")
COMMUNE_PREFIX_SHORT = {"Xã": "X.", "Phường": "P.", "Thị trấn": "TT."}
DISTRICT_PREFIX_SHORT = {"Huyện": "H.", "Thành phố": "TP.", "Thị xã": "TX.", "Quận": "Q."}


def rng_for(seed: int, area: str) -> np.random.Generator:
    """One independent stream per area, so changing one generator leaves the others' output unchanged."""
    return np.random.default_rng([seed, zlib.crc32(area.encode())])


def days(start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    return pd.date_range(start, end, freq="D")


def allocate(total: int, weights) -> np.ndarray:
    """Integers proportional to weights that sum exactly to total (largest remainder)."""
    w = np.asarray(weights, dtype=float)
    if total <= 0 or w.sum() <= 0:
        out = np.zeros(len(w), dtype=np.int64)
        if total > 0 and len(w):
            out[:] = allocate(total, np.ones(len(w)))
        return out
    exact = w / w.sum() * total
    out = np.floor(exact).astype(np.int64)
    rest = int(total - out.sum())
    if rest:
        order = np.argsort(-(exact - out), kind="stable")
        out[order[:rest]] += 1
    return out


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def vn_number(n: int) -> str:
    """1234567 -> '1.234.567' (Vietnamese thousands separator)."""
    return f"{int(n):,}".replace(",", ".")


def dmy(d) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def base_name(name: str, unit_type: str) -> str:
    """'Xã Tân Phú' -> 'Tân Phú'; compares the prefix without case ('Thị Trấn Thổ Tang' exists in the GSO list)."""
    if name.lower().startswith(unit_type.lower() + " "):
        return name[len(unit_type) + 1:]
    return name


def commune_label(row, style: str) -> str:
    """How a commune is written in a file: 'full', 'ascii', 'short' ('X.'/'P.'/'TT.'), 'plain' or 'code'."""
    base = base_name(row.name, row.type)
    if style == "code":
        return row.code
    if style == "ascii":
        return strip_diacritics(row.name)
    if style == "short":
        return f"{COMMUNE_PREFIX_SHORT.get(row.type, row.type)} {base}"
    if style == "plain":
        return base
    return row.name


def district_label(code: str, name: str, dtype: str, style: str) -> str:
    base = base_name(name, dtype)
    if style == "code":
        return code
    if style == "short":
        return f"{DISTRICT_PREFIX_SHORT.get(dtype, dtype)} {base}"
    if style == "ascii":
        return strip_diacritics(name)
    return name


@dataclass
class Province:
    code: str
    name: str
    communes: pd.DataFrame   # one row per 2021 commune, in GSO order; pop_* start of period, cur_* currently present
    districts: pd.DataFrame  # code, name, type, lagging, industrial
    calibrated: bool
    over_100: list[int] = field(default_factory=list)  # commune positions whose dose 1 exceeds the population

    @property
    def n(self) -> int:
        return len(self.communes)

    def district_index(self) -> np.ndarray:
        """Position of each commune's district in self.districts."""
        pos = {c: i for i, c in enumerate(self.districts["code"])}
        return self.communes["district_code"].map(pos).to_numpy()

    def unique_name_mask(self) -> np.ndarray:
        """Communes whose name without prefix and diacritics is unique in the province (safe to write by name)."""
        keys = pd.Series([norm_key(base_name(n, t)) for n, t in zip(self.communes["name"], self.communes["type"])])
        return ~keys.duplicated(keep=False).to_numpy()


def _units(code: str) -> pd.DataFrame:
    units = pd.read_csv(REFERENCE / "units_gso_2021.csv", dtype=str)
    units = units[units["province_code"] == code]
    if units.empty:
        raise ValueError(f"không có tỉnh mã {code} trong danh mục đơn vị hành chính 2021")
    return units.reset_index(drop=True)


def _calibrated_population(units: pd.DataFrame) -> np.ndarray:
    """Census 2019 per commune; the two communes without a 2021 code were merged into Xã Tân Phú (09124) in 2020."""
    census = pd.read_csv(REFERENCE / "census2019_vinh_phuc_commune.csv", dtype={"district_code": str, "ward_code_2019": str})
    census["ward_code_2019"] = census["ward_code_2019"].fillna("09124")
    by_code = census.groupby("ward_code_2019")["population_2019"].sum()
    pop = units["ward_code"].map(by_code)
    if pop.isna().any():
        raise ValueError("thiếu dân số điều tra 2019 cho: " + ", ".join(units.loc[pop.isna(), "ward_name"]))
    return pop.to_numpy(dtype=np.int64)


def _synthetic_population(units: pd.DataFrame, code: str, rng: np.random.Generator) -> np.ndarray:
    """District census totals spread over the district's 2021 communes; districts merged since 2019 (no code)
    are spread over the 2021 districts that have no census figure of their own, or else over the province."""
    census = pd.read_csv(REFERENCE / "census2019_district.csv", dtype=str)
    census = census[census["province_code"] == code]
    census["population_2019"] = census["population_2019"].astype(int)
    weights = rng.lognormal(0.0, 0.45, len(units)) * np.where(units["ward_type"] == "Phường", 1.3, 1.0)
    pop = np.zeros(len(units), dtype=np.int64)
    known = census.dropna(subset=["district_code"]).set_index("district_code")["population_2019"]
    for dcode, idx in units.groupby("district_code").indices.items():
        if dcode in known.index:
            pop[idx] += allocate(int(known[dcode]), weights[idx])
    orphan_total = int(census.loc[census["district_code"].isna(), "population_2019"].sum())
    without = ~units["district_code"].isin(known.index).to_numpy()
    spread = without if without.any() else np.ones(len(units), dtype=bool)
    pop[spread] += allocate(orphan_total, weights[spread])
    empty = pop == 0
    if empty.any():
        pop[empty] = int(np.median(pop[~empty])) if (~empty).any() else 8000
    return pop


def load_province(code: str, seed: int) -> Province:
    rng = rng_for(seed, "population")
    units = _units(code)
    calibrated = code == CALIBRATED
    pop = _calibrated_population(units) if calibrated else _synthetic_population(units, code, rng)
    districts = units.drop_duplicates("district_code")[["district_code", "district_name", "district_type"]]
    districts = districts.rename(columns={"district_code": "code", "district_name": "name", "district_type": "type"})
    districts = districts.reset_index(drop=True)
    if calibrated:
        lagging = districts["code"].isin(VP_LAGGING).to_numpy()
        industrial = districts["code"].isin(VP_INDUSTRIAL).to_numpy()
    else:
        # Two rural districts lag (the most remote ones are last in GSO order); urban ones draw workers in.
        rural = np.flatnonzero(~districts["type"].isin(URBAN_DISTRICT_TYPES).to_numpy())
        pick = rural[-2:] if len(rural) >= 2 else np.arange(len(districts))[-2:]
        lagging = np.isin(np.arange(len(districts)), pick)
        industrial = districts["type"].isin(URBAN_DISTRICT_TYPES).to_numpy() & ~lagging
    districts["lagging"] = lagging
    districts["industrial"] = industrial

    communes = pd.DataFrame({
        "code": units["ward_code"], "name": units["ward_name"], "type": units["ward_type"],
        "district_code": units["district_code"], "district_name": units["district_name"],
        "district_type": units["district_type"], "pop_total": pop,
    })
    n = len(communes)
    shares = {"pop_18": rng.uniform(0.71, 0.73, n), "pop_12_17": rng.uniform(0.08, 0.09, n),
              "pop_5_11": rng.uniform(0.11, 0.12, n)}
    for col, share in shares.items():
        communes[col] = np.round(pop * share).astype(np.int64)
    # Currently present differs from the census by a few %: migrant workers in industrial districts, people
    # working away from rural ones.
    ind = communes["district_code"].map(dict(zip(districts["code"], districts["industrial"]))).to_numpy()
    factor = np.where(ind, rng.uniform(1.02, 1.05, n), rng.uniform(0.965, 0.99, n))
    for col, cur in (("pop_total", "cur_total"), ("pop_18", "cur_18"), ("pop_12_17", "cur_12_17"), ("pop_5_11", "cur_5_11")):
        communes[cur] = np.round(communes[col].to_numpy() * factor * rng.normal(1.0, 0.004, n)).astype(np.int64)
    province = Province(code, units["province_name"].iloc[0], communes, districts, calibrated)
    if calibrated:
        province.over_100 = [int(i) for i in np.flatnonzero(communes["name"].isin(VP_OVER_100))]
    else:
        urban = np.flatnonzero(ind)
        pool = urban if len(urban) >= 3 else np.arange(n)
        province.over_100 = sorted(int(i) for i in rng.choice(pool, size=min(2, len(pool)), replace=False))
    return province


class Receipts:
    """Gives every written file its received time as mtime, in a strict order (no two files share a second)."""

    def __init__(self) -> None:
        self._taken: set[int] = set()

    def stamp(self, path: Path, when: dt.datetime) -> None:
        t = int(when.replace(tzinfo=VN_TZ).timestamp())
        while t in self._taken:
            t += 1
        self._taken.add(t)
        os.utime(path, (t, t))


def write_csv(path: Path, header: list[str], rows) -> int:
    """rows: an iterable of sequences, already formatted as they should appear."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def write_frame_csv(path: Path, frame: pd.DataFrame) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return len(frame)


def write_xlsx(path: Path, header: list[str], rows, title_rows: list[str] = (), sheet: str = "Sheet1",
               date_format: str = "dd/mm/yyyy") -> int:
    """A plain table (optionally under title rows) in write-only mode, which keeps large files fast."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    for title in title_rows:
        ws.append([title])
    if title_rows:
        ws.append([])
    ws.append(header)
    count = 0
    for row in rows:
        out = []
        for value in row:
            if isinstance(value, (dt.date, dt.datetime)):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = date_format if not isinstance(value, dt.datetime) or value.time() == dt.time(0) \
                    else "dd/mm/yyyy hh:mm"
                out.append(cell)
            elif isinstance(value, np.integer):
                out.append(int(value))
            else:
                out.append(value)
        ws.append(out)
        count += 1
    wb.save(path)
    return count
