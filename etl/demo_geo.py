"""The demo's commune boundaries: made for the demo, not surveyed. No open commune boundaries exist, so each real
district polygon (geo/) is split among its communes — seed points spread evenly over the district (a few rounds of
Lloyd's relaxation from seeded random points), their Voronoi cells clipped to the district — and the file is written
the way a Department of Natural Resources and Environment sends one: a zipped shapefile in VN-2000 on the province's
central meridian, the commune code and name in its attributes. Its name says it is illustrative ("minh_hoa"), and every
map drawn from it says so ("ranh giới xã minh họa")."""
from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import numpy as np
import shapely

from etl.boundaries import ILLUSTRATIVE_MARK
from etl.reference import district_shapes
from etl.units import NATIONAL, UnitRegistry

FILE_NAME = f"ranh_gioi_xa_{ILLUSTRATIVE_MARK}.zip"
# VN-2000 central meridians of the provinces whose demo is generated here (Thông tư 973/2001/TT-TCĐC): others are
# written in WGS84, which the reader takes from the file as well.
MERIDIAN_EPSG = {"26": 5897, "01": 5897}  # Vĩnh Phúc, Hà Nội: 105°00' (VN-2000 / TM-3 zone 482)


def _seeds(polygon, n: int, rng: np.random.Generator, rounds: int = 8) -> np.ndarray:
    """n points spread evenly over a polygon: random points inside it, moved to the centroids of their cells."""
    minx, miny, maxx, maxy = polygon.bounds
    cloud = []
    while len(cloud) < max(400, 40 * n):
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(2000, 2))
        inside = shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])
        cloud.extend(xy[inside].tolist())
    cloud = np.asarray(cloud)
    seeds = cloud[rng.choice(len(cloud), size=n, replace=False)]
    for _ in range(rounds):
        nearest = np.argmin(((cloud[:, None, :] - seeds[None, :, :]) ** 2).sum(axis=2), axis=1)
        seeds = np.array([cloud[nearest == k].mean(axis=0) if (nearest == k).any() else seeds[k] for k in range(n)])
    return seeds


def split_district(polygon, n: int, rng: np.random.Generator) -> list:
    """n cells covering the polygon, one per seed, in the seeds' order from north-west to south-east."""
    if n == 1:
        return [polygon]
    seeds = _seeds(polygon, n, rng)
    seeds = seeds[np.lexsort((seeds[:, 0], -seeds[:, 1].round(2)))]
    cells = shapely.voronoi_polygons(shapely.MultiPoint(seeds), extend_to=polygon)
    out = []
    for seed in seeds:
        cell = next(c for c in cells.geoms if c.contains(shapely.Point(seed)))
        out.append(shapely.make_valid(cell.intersection(polygon)))
    return out


def commune_polygons(province_code: str, seed: int) -> list[tuple[str, str, object]]:
    """(commune code, name, polygon in WGS84) of every commune of the province's districts with a shipped polygon."""
    if province_code == NATIONAL:  # the whole country's demo is a benchmark of the marts: no commune maps
        return []
    registry = UnitRegistry.load(province_code)
    features, _, _ = district_shapes(province_code)
    rows = []
    for feature in sorted(features, key=lambda f: f["properties"]["district_code"]):
        code = str(feature["properties"]["district_code"]).zfill(3)
        district = shapely.geometry.shape(feature["geometry"])
        if district.geom_type == "GeometryCollection":  # a polygon and a stray line left by simplification
            district = shapely.union_all([g for g in district.geoms if g.geom_type in ("Polygon", "MultiPolygon")])
        communes = registry.communes[registry.communes["district_code"] == code]
        rng = np.random.default_rng([seed, int(code)])
        for commune, cell in zip(communes.itertuples(), split_district(district, len(communes), rng), strict=True):
            rows.append((commune.commune_code, commune.commune_name, cell))
    return rows


def write_commune_boundaries(folder: Path, province_code: str, seed: int) -> int:
    """The demo's boundary file in `folder`; the number of communes in it (0, and no file, for a province whose
    districts have no shipped polygons)."""
    import geopandas as gpd

    rows = commune_polygons(province_code, seed)
    if not rows:
        return 0
    folder.mkdir(parents=True, exist_ok=True)
    frame = gpd.GeoDataFrame({"MaXa": [int(c) for c, _, _ in rows], "TenXa": [n for _, n, _ in rows]},
                             geometry=[g for _, _, g in rows], crs="EPSG:4326")
    if province_code in MERIDIAN_EPSG:
        frame = frame.to_crs(f"EPSG:{MERIDIAN_EPSG[province_code]}")
    with tempfile.TemporaryDirectory() as work:
        shp = Path(work) / "ranh_gioi_xa.shp"
        frame.to_file(shp, engine="pyogrio", encoding="UTF-8")
        with zipfile.ZipFile(folder / FILE_NAME, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(work).iterdir()):
                archive.write(part, part.name)
    return len(rows)


def write_boundaries(folder: Path, province_code: str, seed: int, receipts) -> dict:
    """The demo inbox's boundaries/ folder: the illustrative commune boundary file, received with the first data."""
    import datetime as dt

    n = write_commune_boundaries(folder, province_code, seed)
    if n:
        receipts.stamp(folder / FILE_NAME, dt.datetime(2021, 3, 1, 9, 0))
    return {"files": int(bool(n)), "rows": n}
