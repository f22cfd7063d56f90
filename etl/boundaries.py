"""Commune boundaries from the province's own file: every provincial Department of Natural Resources and Environment
(Sở Tài nguyên và Môi trường) holds them, usually as a shapefile or a GeoPackage in VN-2000 on the province's own
central meridian, not WGS84. One file is one arrival: a `.zip` holding a shapefile's parts, a `.gpkg` or a `.geojson`.

Reading (geopandas, through pyogrio):
- the CRS comes from the file (a shapefile's `.prj`, a GeoPackage's own), else from the setting `boundary_crs` (an EPSG
  code such as "EPSG:5897", or the VN-2000 meridian as written in Vietnamese surveys: "VN-2000 105°00'", "105-00"), else
  the file is refused with the reason; a GeoJSON whose coordinates are metres (not longitude/latitude) has no CRS either;
- coordinates go to WGS84 with the datum shift of EPSG transformation 6960 "VN-2000 to WGS 84 (2)": the seven
  parameters of Decision 05/2007/QĐ-BTNMT (the one pyproj picks; VN2000_TO_WGS84 checks it is the one applied);
- each polygon is matched to a GSO commune code: from a code column when one holds the province's commune codes, else
  from a name column within its district (a district name or code column), with the ETL's name matching and its
  suggestions; features that match nothing or twice are listed, not dropped silently;
- invalid polygons are repaired (shapely.make_valid) when the repair keeps the area within 1 %, else refused with the
  reason; communes missing from the file are listed by name;
- communes are dissolved into districts to cross-check the shipped district boundaries (the share of each shipped
  district the file covers, and of the file's district outside it);
- the polygons are simplified as one coverage, so neighbours keep their shared edges (shapely.coverage_simplify).
A file that cannot be read, or that matches too few communes, raises BoundaryError naming the file, layer, feature and
column; the caller quarantines it and the good boundaries already published keep serving.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from etl.textnorm import norm_key
from etl.units import UnitRegistry, UnknownUnit

SUFFIXES = (".zip", ".gpkg", ".geojson", ".json")
ILLUSTRATIVE_MARK = "minh_hoa"  # in a file's name: boundaries made for a demo, not surveyed (maps say so)
WGS84 = "EPSG:4326"
VN2000 = "EPSG:4756"
VN2000_TO_WGS84 = ("EPSG", "6960")  # VN-2000 to WGS 84 (2): Decision 05/2007/QĐ-BTNMT
# The TM-3 projections of VN-2000 (scale 0,9999, false easting 500 km) that EPSG names, by central meridian; other
# meridians are built the same way on the VN-2000 datum.
TM3_EPSG = {102.0: 5896, 105.0: 5897, 108.0: 5898, 107.75: 5899, 103.0: 9205, 104.0: 9206, 104.5: 9207,
            104.75: 9208, 105.5: 9209, 105.75: 9210, 106.0: 9211, 106.25: 9212, 106.5: 9213, 107.0: 9214,
            107.25: 9215, 107.5: 9216, 108.25: 9217, 108.5: 9218}
MIN_MATCHED = 0.5        # a file matching fewer of its features is not this province's communes: refused
REPAIR_TOLERANCE = 0.01  # a repaired polygon may change its area by at most 1 %
SIMPLIFY_METRES = 10.0   # about a pixel of a province's commune map


class BoundaryError(ValueError):
    """A boundary file that cannot be used; the message names file, layer, feature and column."""


@dataclass
class Boundaries:
    communes: pd.DataFrame              # commune_code, district_code, geometry (shapely, WGS84), repaired
    crs: str                            # the CRS read, as named by pyproj
    crs_from: str                       # "tệp" (the file) or "cấu hình" (the setting)
    transformation: str                 # the operation applied to reach WGS84
    unmatched: list[str] = field(default_factory=list)   # one line per feature not matched (with suggestions)
    refused: list[str] = field(default_factory=list)     # invalid polygons not repaired
    repaired: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)     # communes of the province absent from the file
    district_check: pd.DataFrame | None = None           # district_code, shipped_covered, outside_shipped


def meridian_crs(setting: str):
    """The CRS a setting names: an EPSG code, or a VN-2000 central meridian ("VN-2000 105°00'", "105-00", "105.75")."""
    import pyproj

    text = str(setting).strip()
    if re.fullmatch(r"(?i)epsg:\d+", text):
        return pyproj.CRS.from_user_input(text.upper())
    found = re.search(r"(?<!\d)(1[01]\d)(?!\d)\s*(?:[°º\-:. ]\s*(\d{1,2})\s*['′]?)?", text)
    if not found:
        raise BoundaryError(f"cấu hình boundary_crs = {setting!r} không nêu được hệ tọa độ: ghi mã EPSG (ví dụ "
                            "\"EPSG:5897\") hoặc kinh tuyến trục VN-2000 (ví dụ \"VN-2000 105°00'\").")
    degrees, minutes = int(found.group(1)), int(found.group(2) or 0)
    if not (102 <= degrees <= 110) or minutes not in (0, 15, 30, 45):
        raise BoundaryError(f"cấu hình boundary_crs = {setting!r}: kinh tuyến trục {degrees}°{minutes:02d}' không "
                            "phải kinh tuyến trục VN-2000 của một tỉnh (102°00' đến 109°30', bước 15').")
    lon = degrees + minutes / 60
    if lon in TM3_EPSG:
        return pyproj.CRS.from_epsg(TM3_EPSG[lon])
    base = pyproj.CRS.from_epsg(5897).to_json_dict()  # VN-2000 / TM-3 105°: the same projection, another meridian
    base["name"] = f"VN-2000 / TM-3 {degrees}-{minutes:02d}"
    base.pop("id", None)
    for parameter in base["conversion"]["parameters"]:
        if parameter["name"] == "Longitude of natural origin":
            parameter["value"] = lon
    base["conversion"]["name"] = f"Vietnam TM-3 {degrees}-{minutes:02d}"
    base["conversion"].pop("id", None)
    return pyproj.CRS.from_json_dict(base)


def _to_wgs84(crs):
    """The transformer from `crs` to WGS84 that pyproj applies, and what it does in the words of the quality page; for
    a VN-2000 CRS it must be the Ministry's seven-parameter shift (VN2000_TO_WGS84), never a ballpark one."""
    import pyproj
    from pyproj.transformer import TransformerGroup

    group = TransformerGroup(crs, WGS84, always_xy=True)
    vn2000 = "VN-2000" in (crs.geodetic_crs.name if crs.geodetic_crs else crs.name) or "Vietnam_2000" in crs.to_wkt()
    for transformer in group.transformers:
        if vn2000 and VN2000_TO_WGS84 == _vn2000_step(transformer):
            return transformer, ("chuyển sang WGS84 bằng 7 tham số của Quyết định 05/2007/QĐ-BTNMT (EPSG:6960, "
                                 "«VN-2000 to WGS 84 (2)»)")
        if not vn2000:
            same = crs.is_geographic and "WGS 84" in crs.name
            return transformer, "đã ở WGS84, giữ nguyên tọa độ" if same else f"chuyển sang WGS84 ({crs.name})"
    if vn2000:
        raise BoundaryError("không tìm được phép chuyển VN-2000 sang WGS84 của Bộ Tài nguyên và Môi trường (EPSG:6960) "
                            "trong thư viện PROJ; không chuyển tọa độ bằng tham số gần đúng.")
    return pyproj.Transformer.from_crs(crs, WGS84, always_xy=True), "WGS84"


def _vn2000_step(transformer) -> tuple[str, str] | None:
    def walk(node):
        if isinstance(node, dict):
            ident = node.get("id")
            if isinstance(ident, dict) and "VN-2000 to WGS 84" in str(node.get("name", "")):
                yield (ident["authority"], str(ident["code"]))
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)
    return next(walk(transformer.to_json_dict()), None)


def _layer(path: Path) -> tuple[str, str | None]:
    """(what geopandas opens, the layer) of a file; a .zip must hold exactly one shapefile (.shp, .shx, .dbf)."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        shapes = [n for n in names if n.lower().endswith(".shp")]
        if len(shapes) != 1:
            raise BoundaryError(f"{path.name}: tệp nén cần đúng một shapefile (.shp), có {len(shapes)}: "
                                f"{', '.join(shapes) or 'không có'}.")
        stem = shapes[0][:-4]
        absent = [ext for ext in (".shx", ".dbf") if not any(n.lower() == (stem + ext).lower() for n in names)]
        if absent:
            raise BoundaryError(f"{path.name}: shapefile {shapes[0]} thiếu phần {', '.join(absent)}.")
        return f"/vsizip/{path}/{shapes[0]}", shapes[0]
    if path.suffix.lower() == ".gpkg":
        import pyogrio

        try:
            listed = pyogrio.list_layers(path)
        except Exception as error:  # noqa: BLE001 — not a GeoPackage at all: its reason, then quarantine
            raise BoundaryError(f"{path.name}: không đọc được tệp GeoPackage ({error}).") from error
        layers = [(name, kind) for name, kind in listed if kind and "Polygon" in str(kind)]
        if len(layers) != 1:
            raise BoundaryError(f"{path.name}: GeoPackage cần đúng một lớp đa giác, có {len(layers)}: "
                                f"{', '.join(n for n, _ in layers) or 'không có'}.")
        return str(path), layers[0][0]
    return str(path), None


def _column(frame: pd.DataFrame, accept, share: float = 0.8) -> str | None:
    """The first column most of whose values `accept` (a predicate on a text)."""
    best, best_share = None, 0.0
    for column in frame.columns:
        if column == "geometry":
            continue
        values = [str(v).strip() for v in frame[column].dropna()]
        if not values:
            continue
        ok = sum(1 for v in values if accept(v)) / len(values)
        if ok >= share and ok > best_share:
            best, best_share = column, ok
    return best


def read(path: Path, registry: UnitRegistry, setting: str | None = None,
         shipped: pd.DataFrame | None = None) -> Boundaries:
    """The commune boundaries of a file (see the module). `shipped`: district_code, geometry (WGS84) to cross-check."""
    import geopandas as gpd

    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise BoundaryError(f"{path.name}: ranh giới nhận tệp .zip (shapefile), .gpkg hoặc .geojson.")
    source, layer = _layer(path)
    where = f"{path.name}" + (f", lớp {layer}" if layer and not source.startswith("/vsizip/") else "")
    try:
        frame = gpd.read_file(source, layer=layer if path.suffix.lower() == ".gpkg" else None)
    except Exception as error:  # noqa: BLE001 — a broken file of any kind: its reason, then quarantine
        raise BoundaryError(f"{where}: không đọc được tệp ranh giới ({type(error).__name__}: {error}).") from error
    if frame.empty:
        raise BoundaryError(f"{where}: tệp không có đối tượng nào.")
    crs, crs_from = frame.crs, "tệp"
    metres = bool(np.nanmax(np.abs(frame.total_bounds)) > 360)
    if crs is None or (path.suffix.lower() in (".geojson", ".json") and metres and crs.is_geographic):
        if not setting:
            raise BoundaryError(
                f"{where}: tệp không cho biết hệ tọa độ (shapefile thiếu tệp .prj"
                + (", tọa độ tính bằng mét" if metres else "") + ") và cấu hình chưa có boundary_crs (mã EPSG hoặc "
                "kinh tuyến trục VN-2000 của tỉnh, ví dụ \"VN-2000 105°00'\"): không đoán hệ tọa độ.")
        crs, crs_from = meridian_crs(setting), "cấu hình"
        frame = frame.set_crs(crs, allow_override=True)
    transformer, transformation = _to_wgs84(crs)
    geometries = shapely.transform(np.asarray(frame.geometry.values),
                                   lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
    result = Boundaries(pd.DataFrame(), crs.name, crs_from, transformation)
    codes = _match(frame, registry, where, result)
    kept = []  # several features of one code are one commune drawn in parts (islands): joined below
    for i, (code, geometry) in enumerate(zip(codes, geometries, strict=True)):
        if code is None:
            continue
        feature = f"{where}, đối tượng {i + 1} ({registry.name_of(code)})"
        if geometry is None or geometry.is_empty:
            result.refused.append(f"{feature}: không có hình.")
            continue
        if not geometry.is_valid:
            fixed = shapely.make_valid(geometry)
            fixed = shapely.union_all([g for g in getattr(fixed, "geoms", [fixed])
                                       if g.geom_type in ("Polygon", "MultiPolygon")]) if not fixed.is_empty else fixed
            change = abs(fixed.area - abs(_ring_area(geometry))) / max(abs(_ring_area(geometry)), 1e-12)
            if fixed.is_empty or change > REPAIR_TOLERANCE:
                result.refused.append(f"{feature}: đa giác không hợp lệ ({shapely.is_valid_reason(geometry)}), "
                                      "sửa tự động làm thay đổi diện tích quá 1%: bỏ đối tượng này, cần sửa tệp.")
                continue
            result.repaired.append(f"{feature}: đa giác không hợp lệ ({shapely.is_valid_reason(geometry)}), "
                                   f"đã sửa (diện tích thay đổi {f'{change * 100:.2f}'.replace('.', ',')}%)")
            geometry = fixed
        if geometry.geom_type not in ("Polygon", "MultiPolygon"):
            result.refused.append(f"{feature}: không phải đa giác ({geometry.geom_type}).")
            continue
        kept.append((code, registry.district_of(code), geometry))
    communes = pd.DataFrame(kept, columns=["commune_code", "district_code", "geometry"])
    # several features of one commune (islands drawn apart): one multipolygon
    communes = (communes.groupby(["commune_code", "district_code"], as_index=False, sort=True)
                .agg(geometry=("geometry", lambda g: shapely.union_all(list(g)))))
    present = set(communes["commune_code"])
    result.missing = [f"{r.commune_name} ({registry.name_of(r.district_code)})"
                      for r in registry.communes.itertuples() if r.commune_code not in present]
    if len(communes) < MIN_MATCHED * len(frame) or communes.empty:
        raise BoundaryError(f"{where}: chỉ khớp được {len(communes)} trên {len(frame)} đối tượng với các xã của "
                            f"{registry.province_name}: không phải ranh giới xã của tỉnh. "
                            + " ".join(result.unmatched[:3]))
    communes["geometry"] = list(simplify(communes["geometry"]))
    result.communes = communes
    if shipped is not None and not shipped.empty:
        result.district_check = cross_check(communes, shipped)
    return result


def _ring_area(geometry) -> float:
    """The area a polygon's rings enclose, even where it is invalid (a self-intersecting ring)."""
    polygons = getattr(geometry, "geoms", [geometry])
    total = 0.0
    for polygon in polygons:
        if polygon.geom_type != "Polygon":
            continue
        total += abs(shapely.Polygon(polygon.exterior.coords).area) if polygon.exterior else 0.0
        total -= sum(abs(shapely.Polygon(r.coords).area) for r in polygon.interiors)
    return total


def _match(frame: pd.DataFrame, registry: UnitRegistry, where: str, result: Boundaries) -> list[str | None]:
    """The commune code of each feature (None where none matches: listed in result.unmatched)."""
    commune_codes = set(registry.communes["commune_code"])
    code_column = _column(frame, lambda v: re.sub(r"\.0+$", "", v).zfill(5) in commune_codes)
    if code_column is not None:
        codes = []
        for i, value in enumerate(frame[code_column]):
            code = None if pd.isna(value) else re.sub(r"\.0+$", "", str(value).strip()).zfill(5)
            if code not in commune_codes:
                result.unmatched.append(f"{where}, đối tượng {i + 1}, cột {code_column}: mã xã {value!r} không thuộc "
                                        f"{registry.province_name}.")
                code = None
            codes.append(code)
        return codes
    names = {norm_key(n) for n in registry.communes["commune_name"]}
    bare = {norm_key(re.sub(r"^(Xã|Phường|Thị trấn)\s+", "", n)) for n in registry.communes["commune_name"]}
    name_column = _column(frame, lambda v: norm_key(v) in names or norm_key(v) in bare, share=0.5)
    if name_column is None:
        raise BoundaryError(f"{where}: không có cột mã xã (mã GSO 5 chữ số) hay cột tên xã khớp với danh mục đơn vị "
                            f"hành chính của {registry.province_name}; các cột: "
                            f"{', '.join(c for c in frame.columns if c != 'geometry')}.")
    district_column = _column(frame.drop(columns=[name_column]), lambda v: _is_district(registry, v), share=0.8)
    codes = []
    for i, row in enumerate(frame.itertuples(index=False)):
        value = getattr(row, name_column)
        district = None
        if district_column is not None:
            try:
                district = registry.match_district(getattr(row, district_column))
            except UnknownUnit:
                district = None
        try:
            codes.append(registry.match_commune(value, district))
        except UnknownUnit as unknown:
            hint = f" Có phải: {', '.join(unknown.suggestions)}?" if unknown.suggestions else ""
            result.unmatched.append(f"{where}, đối tượng {i + 1}, cột {name_column}: {unknown}{hint}")
            codes.append(None)
    return codes


def _is_district(registry: UnitRegistry, value: str) -> bool:
    try:
        registry.match_district(value)
        return True
    except UnknownUnit:
        return False


def simplify(geometries, metres: float = SIMPLIFY_METRES):
    """Simplified as one coverage in metres (the province's UTM zone), so that shared edges stay aligned."""
    import geopandas as gpd

    series = gpd.GeoSeries(list(geometries), crs=WGS84)
    utm = series.estimate_utm_crs()
    simple = shapely.coverage_simplify(np.asarray(series.to_crs(utm).values), tolerance=metres)
    return gpd.GeoSeries(simple, crs=utm).to_crs(WGS84).values


def cross_check(communes: pd.DataFrame, shipped: pd.DataFrame) -> pd.DataFrame:
    """Per district: the share of the shipped district's area the file's communes cover, and the share of the file's
    district that lies outside it (both in metres, the province's UTM zone)."""
    import geopandas as gpd

    dissolved = gpd.GeoDataFrame(communes, geometry="geometry", crs=WGS84).dissolve("district_code")
    theirs = gpd.GeoDataFrame(shipped, geometry="geometry", crs=WGS84).set_index("district_code")
    utm = dissolved.geometry.estimate_utm_crs()
    dissolved, theirs = dissolved.to_crs(utm), theirs.to_crs(utm)
    rows = []
    for code in sorted(set(dissolved.index) | set(theirs.index)):
        mine = dissolved.geometry.get(code)
        other = theirs.geometry.get(code)
        if mine is None or other is None:
            rows.append((code, 0.0 if mine is None else None, None))
            continue
        common = mine.intersection(other).area
        rows.append((code, common / other.area if other.area else None,
                     (mine.area - common) / mine.area if mine.area else None))
    return pd.DataFrame(rows, columns=["district_code", "shipped_covered", "outside_shipped"])
