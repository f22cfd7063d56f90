"""Units of the configured province and their district boundaries, written into every snapshot.

The dashboard opens only the snapshot, so boundaries travel with it (as GeoJSON text per district).
A province with no polygons in the shipped files (Quảng Ninh) gets no shapes and a reason the pages show.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from etl.units import NATIONAL, UnitRegistry

GEO_DIR = Path(__file__).resolve().parent.parent / "geo"
NATIONAL_DISTRICTS = "districts_vn_simpl0.002.geojson"


def district_shapes(province_code: str, geo_dir: Path = GEO_DIR) -> tuple[list[dict], str, str | None]:
    """Features of the province's districts, the file they came from, and why there are none (or None)."""
    own = sorted(geo_dir.glob(f"districts_{province_code}_*.geojson"))
    path = own[0] if own else geo_dir / NATIONAL_DISTRICTS
    doc = json.loads(path.read_text(encoding="utf-8"))
    features = [f for f in doc["features"]
                if province_code == NATIONAL or str(f["properties"].get("province_code")).zfill(2) == province_code]
    reason = None
    if not features:
        reason = (f"Tệp ranh giới {path.name} không có ranh giới các huyện của tỉnh này "
                  "(nguồn daohoangson/dvhcvn thiếu dữ liệu); bản đồ được thay bằng bảng.")
    return features, path.name, reason


def load_reference(con: duckdb.DuckDBPyConnection, province_code: str, progress: Callable[[str], None]) -> UnitRegistry:
    registry = UnitRegistry.load(province_code)
    con.execute("CREATE SCHEMA IF NOT EXISTS ref")
    units = [{
        "unit_code": p.province_code, "unit_level": "province", "unit_name": p.province_name,
        "short_name": re.sub(r"^(Tỉnh|Thành phố)\s+", "", p.province_name), "unit_type": None, "district_code": None,
        "province_code": p.province_code, "parent_code": None,
    } for p in registry.provinces.itertuples(index=False)]
    for d in registry.districts.itertuples(index=False):
        units.append({
            "unit_code": d.district_code, "unit_level": "district", "unit_name": d.district_name,
            "short_name": d.district_short, "unit_type": d.district_type, "district_code": d.district_code,
            "province_code": d.province_code, "parent_code": d.province_code,
        })
    for c in registry.communes.itertuples(index=False):
        units.append({
            "unit_code": c.commune_code, "unit_level": "commune", "unit_name": c.commune_name,
            "short_name": c.commune_name, "unit_type": c.commune_type, "district_code": c.district_code,
            "province_code": c.province_code, "parent_code": c.district_code,
        })
    frame = pd.DataFrame(units)
    con.register("_units", frame)
    con.execute("CREATE OR REPLACE TABLE ref.units AS SELECT unit_code::VARCHAR unit_code, unit_level::VARCHAR unit_level, "
                "unit_name::VARCHAR unit_name, short_name::VARCHAR short_name, unit_type::VARCHAR unit_type, "
                "district_code::VARCHAR district_code, province_code::VARCHAR province_code, "
                "parent_code::VARCHAR parent_code FROM _units")
    con.unregister("_units")
    features, file_name, reason = district_shapes(province_code)
    shapes = pd.DataFrame([{
        "district_code": str(f["properties"]["district_code"]).zfill(3),
        "geometry_geojson": json.dumps(f["geometry"], separators=(",", ":")),
        "gap_filled": bool(f["properties"].get("gap_filled", False)),
        "area_km2": float(f["properties"].get("area_km2") or 0.0),
    } for f in features], columns=["district_code", "geometry_geojson", "gap_filled", "area_km2"])
    con.register("_shapes", shapes)
    con.execute("CREATE OR REPLACE TABLE ref.district_shapes AS SELECT district_code::VARCHAR district_code, "
                "geometry_geojson::VARCHAR geometry_geojson, gap_filled::BOOLEAN gap_filled, area_km2::DOUBLE area_km2 "
                "FROM _shapes")
    con.unregister("_shapes")
    con.execute("CREATE OR REPLACE TABLE ref.geo_source AS SELECT ? AS file_name, ? AS missing_reason, ? AS districts_with_shape",
                [file_name, reason, len(features)])
    progress(f"đơn vị hành chính: {registry.province_name}, {len(registry.districts)} huyện, "
             f"{len(registry.communes)} xã; ranh giới {len(features)} huyện ({file_name})")
    return registry


NO_COMMUNE_FILE = ("Chưa có tệp ranh giới xã của tỉnh (thư mục boundaries/ của hộp thư: tệp .zip shapefile, .gpkg "
                   "hoặc .geojson của Sở Tài nguyên và Môi trường); số liệu xã được trình bày bằng bảng.")


def load_commune_shapes(con: duckdb.DuckDBPyConnection, read: object | None, file_name: str | None,
                        progress: Callable[[str], None]) -> None:
    """ref.commune_shapes (commune_code, district_code, GeoJSON text) from a file etl.boundaries read (None: no usable
    file), ref.commune_geo_source (the file, whether it is illustrative, its CRS and the shift applied, what was
    missing, unmatched, refused or repaired) and ref.commune_district_check (the districts against the shipped ones).
    Written into every snapshot, empty with the reason when there is no file."""
    import shapely

    from etl.boundaries import ILLUSTRATIVE_MARK

    communes = read.communes if read is not None else pd.DataFrame(columns=["commune_code", "district_code",
                                                                             "geometry"])
    shapes = pd.DataFrame({"commune_code": communes["commune_code"].astype(str),
                           "district_code": communes["district_code"].astype(str),
                           "geometry_geojson": [shapely.to_geojson(g) for g in communes["geometry"]]},
                          columns=["commune_code", "district_code", "geometry_geojson"])
    con.register("_commune_shapes", shapes)
    con.execute("CREATE OR REPLACE TABLE ref.commune_shapes AS SELECT commune_code::VARCHAR commune_code, "
                "district_code::VARCHAR district_code, geometry_geojson::VARCHAR geometry_geojson "
                "FROM _commune_shapes")
    con.unregister("_commune_shapes")
    con.execute(
        "CREATE OR REPLACE TABLE ref.commune_geo_source AS SELECT ?::VARCHAR AS file_name, ?::BOOLEAN AS illustrative, "
        "?::VARCHAR AS crs, ?::VARCHAR AS crs_from, ?::VARCHAR AS transformation, ?::INTEGER AS communes_with_shape, "
        "?::VARCHAR[] AS missing, ?::VARCHAR[] AS unmatched, ?::VARCHAR[] AS refused, ?::VARCHAR[] AS repaired, "
        "?::VARCHAR AS missing_reason",
        [file_name, bool(file_name and ILLUSTRATIVE_MARK in file_name),
         *((read.crs, read.crs_from, read.transformation) if read is not None else (None, None, None)),
         len(shapes), *((read.missing, read.unmatched, read.refused, read.repaired) if read is not None
                        else ([], [], [], [])),
         None if read is not None else NO_COMMUNE_FILE])
    check = (read.district_check if read is not None and read.district_check is not None
             else pd.DataFrame(columns=["district_code", "shipped_covered", "outside_shipped"]))
    con.register("_district_check", check)
    # percentages (0–100), as every figure of the snapshot
    con.execute("CREATE OR REPLACE TABLE ref.commune_district_check AS SELECT district_code::VARCHAR district_code, "
                "100 * shipped_covered::DOUBLE AS covered_pct, 100 * outside_shipped::DOUBLE AS outside_pct "
                "FROM _district_check")
    con.unregister("_district_check")
    if read is not None:
        progress(f"ranh giới xã: {len(shapes)} xã từ {file_name} ({read.crs}, {read.transformation})"
                 + (f"; thiếu {len(read.missing)} xã" if read.missing else "")
                 + (f"; {len(read.unmatched)} đối tượng không khớp" if read.unmatched else ""))
    else:
        progress("ranh giới xã: chưa có tệp, các trang trình bày số liệu xã bằng bảng")


def shipped_districts(province_code: str):
    """The shipped district polygons of the province (district_code, geometry as shapely, WGS84)."""
    import shapely

    features, _, _ = district_shapes(province_code)
    return pd.DataFrame({"district_code": [str(f["properties"]["district_code"]).zfill(3) for f in features],
                         "geometry": [shapely.geometry.shape(f["geometry"]) for f in features]})
