"""Commune boundaries from a province's own file (etl/boundaries.py): VN-2000 shapefiles, GeoPackages and GeoJSON,
real files written by geopandas, read back as the ETL reads them."""
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import box

from etl import boundaries as B
from etl.units import UnitRegistry

PROJECT = Path(__file__).resolve().parent.parent
VINH_YEN = ["08707", "08710", "08713", "08716", "08719", "08722", "08725", "08728", "08731"]
NAMES = ["Phường Tích Sơn", "Phường Liên Bảo", "Phường Hội Hợp", "Phường Đống Đa", "Phường Ngô Quyền",
         "Phường Đồng Tâm", "Xã Định Trung", "Phường Khai Quang", "Xã Thanh Trù"]


@pytest.fixture(scope="module")
def registry():
    return UnitRegistry.load("26")


def grid(n: int = 9, lon: float = 105.55, lat: float = 21.28, side: float = 0.01) -> list:
    """n squares of `side` degrees in rows of 3: one per commune, sharing edges."""
    return [box(lon + side * (i % 3), lat + side * (i // 3), lon + side * (i % 3 + 1), lat + side * (i // 3 + 1))
            for i in range(n)]


def shapefile_zip(tmp: Path, frame: gpd.GeoDataFrame, name: str = "ranh_gioi_xa", prj: bool = True) -> Path:
    """A real shapefile written by geopandas, its parts zipped as a province would send them."""
    folder = tmp / name
    folder.mkdir()
    frame.to_file(folder / f"{name}.shp", engine="pyogrio")
    target = tmp / f"{name}.zip"
    with zipfile.ZipFile(target, "w") as archive:
        for part in folder.iterdir():
            if prj or part.suffix != ".prj":
                archive.write(part, part.name)
    return target


def vn2000_file(tmp: Path, prj: bool = True) -> tuple[Path, list]:
    """Vĩnh Yên's 9 communes as squares, projected to VN-2000 / TM-3 105°00' (EPSG:5897), Vĩnh Phúc's meridian."""
    squares = grid()
    frame = gpd.GeoDataFrame({"MaXa": [int(c) for c in VINH_YEN], "TenXa": NAMES}, geometry=squares, crs=B.WGS84)
    return shapefile_zip(tmp, frame.to_crs("EPSG:5897"), prj=prj), squares


def test_a_vn2000_shapefile_comes_back_to_wgs84_with_the_ministry_datum_shift(tmp_path, registry):
    path, squares = vn2000_file(tmp_path)
    read = B.read(path, registry)
    assert read.crs == "VN-2000 / TM-3 zone 482" and read.crs_from == "tệp"
    # Decision 05/2007/QĐ-BTNMT's seven parameters (EPSG:6960), not a ballpark shift
    assert "VN-2000 to WGS 84 (2)" in read.transformation
    transformer, _ = B._to_wgs84(__import__("pyproj").CRS.from_epsg(5897))
    assert B._vn2000_step(transformer) == ("EPSG", "6960")
    for parameter in ("x=-191.90441429", "y=-39.30318279", "z=-111.45032835", "rx=-0.00928836", "ry=0.01975479",
                      "rz=-0.00427372", "s=0.252906278"):
        assert parameter in transformer.definition
    # the round trip WGS84 → VN-2000 → WGS84 lands within a centimetre (1e-7° ≈ 1 cm)
    assert list(read.communes["commune_code"]) == VINH_YEN  # the numeric codes, zero-padded again
    for square, geometry in zip(squares, read.communes["geometry"], strict=True):
        assert shapely.equals_exact(shapely.normalize(square), shapely.normalize(geometry), tolerance=1e-7)
    # the file holds one district: the province's other communes are listed as missing, by name and district
    assert len(read.missing) == len(registry.communes) - 9 and not any("Vĩnh Yên" in m for m in read.missing)
    assert read.unmatched == [] and read.refused == []


def test_a_shapefile_without_prj_is_refused_unless_the_setting_names_the_zone(tmp_path, registry):
    path, squares = vn2000_file(tmp_path, prj=False)
    with pytest.raises(B.BoundaryError) as refused:
        B.read(path, registry)
    assert "ranh_gioi_xa.zip" in str(refused.value) and ".prj" in str(refused.value)
    assert "boundary_crs" in str(refused.value)
    read = B.read(path, registry, setting="VN-2000 105°00'")
    assert read.crs_from == "cấu hình" and "VN-2000 to WGS 84 (2)" in read.transformation
    assert shapely.equals_exact(shapely.normalize(squares[0]), shapely.normalize(read.communes["geometry"][0]),
                                tolerance=1e-7)


def test_the_setting_names_a_meridian_as_surveys_write_it():
    assert B.meridian_crs("105-45").to_epsg() == 9210
    assert B.meridian_crs("EPSG:5899").name == "VN-2000 / TM-3 107-45"
    custom = B.meridian_crs("VN-2000 109°00'")  # not named by EPSG: the same projection on another meridian
    assert custom.name == "VN-2000 / TM-3 109-00" and "VN-2000" in custom.geodetic_crs.name
    assert B._vn2000_step(B._to_wgs84(custom)[0]) == ("EPSG", "6960")
    with pytest.raises(B.BoundaryError, match="106°10'"):
        B.meridian_crs("106°10'")


def test_names_within_their_district_match_with_suggestions_and_missing_communes_are_listed(tmp_path, registry):
    squares = grid(4)
    frame = gpd.GeoDataFrame({"Ten_xa": ["P. Tích Sơn", "Liên Bảo", "Phường Hội Hợp", "Phường Tich Sonn"],
                              "Huyen": ["TP Vĩnh Yên"] * 4}, geometry=squares, crs=B.WGS84)
    path = tmp_path / "xa.geojson"
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    read = B.read(path, registry)
    assert list(read.communes["commune_code"]) == ["08707", "08710", "08713"]
    (unmatched,) = read.unmatched
    assert unmatched.startswith("xa.geojson, đối tượng 4, cột Ten_xa:") and "Tích Sơn" in unmatched
    assert "Phường Đống Đa (Thành phố Vĩnh Yên)" in read.missing and len(read.missing) == len(registry.communes) - 3


def test_a_geojson_in_metres_without_crs_is_not_taken_for_degrees(tmp_path, registry):
    frame = gpd.GeoDataFrame({"ma_xa": VINH_YEN[:3]}, geometry=grid(3), crs=B.WGS84).to_crs("EPSG:5897")
    data = json.loads(frame.to_json())
    data.pop("crs", None)
    path = tmp_path / "met.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(B.BoundaryError, match="tọa độ tính bằng mét"):
        B.read(path, registry)
    assert list(B.read(path, registry, setting="105-00").communes["commune_code"]) == VINH_YEN[:3]


def test_invalid_polygons_are_repaired_when_the_repair_keeps_the_area_else_refused(tmp_path, registry):
    # a square with a repeated spike back along an edge (invalid, same area) and a bow-tie (two triangles crossing)
    spiky = shapely.Polygon([(105.55, 21.28), (105.56, 21.28), (105.565, 21.28), (105.56, 21.28), (105.56, 21.29),
                             (105.55, 21.29)])
    bowtie = shapely.Polygon([(105.57, 21.28), (105.58, 21.29), (105.58, 21.28), (105.57, 21.29)])
    assert not spiky.is_valid and not bowtie.is_valid
    frame = gpd.GeoDataFrame({"ma_xa": VINH_YEN[:3]}, geometry=[spiky, bowtie, grid(3)[2]], crs=B.WGS84)
    path = tmp_path / "loi.geojson"
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    read = B.read(path, registry)
    assert list(read.communes["commune_code"]) == ["08707", "08713"]
    (repaired,) = read.repaired
    assert repaired.startswith("loi.geojson, đối tượng 1 (Phường Tích Sơn): đa giác không hợp lệ")
    (refused,) = read.refused
    assert refused.startswith("loi.geojson, đối tượng 2 (Phường Liên Bảo): đa giác không hợp lệ")
    assert "quá 1%" in refused


def test_a_file_that_is_not_this_provinces_communes_is_refused_naming_its_columns(tmp_path, registry):
    frame = gpd.GeoDataFrame({"id": [1, 2], "loai_dat": ["ruộng", "vườn"]}, geometry=grid(2), crs=B.WGS84)
    path = tmp_path / "dat.geojson"
    frame.to_file(path, driver="GeoJSON", engine="pyogrio")
    with pytest.raises(B.BoundaryError) as refused:
        B.read(path, registry)
    assert "dat.geojson" in str(refused.value) and "id, loai_dat" in str(refused.value)
    broken = tmp_path / "hong.gpkg"
    broken.write_bytes(b"not a geopackage")
    with pytest.raises(B.BoundaryError, match="hong.gpkg"):
        B.read(broken, registry)
    wrong = tmp_path / "hai_lop.zip"
    with zipfile.ZipFile(wrong, "w") as archive:
        archive.writestr("a.shp", b"")
        archive.writestr("b.shp", b"")
    with pytest.raises(B.BoundaryError, match="đúng một shapefile"):
        B.read(wrong, registry)


def test_communes_dissolved_into_districts_are_checked_against_the_shipped_boundaries(tmp_path, registry):
    features = json.loads((PROJECT / "geo/districts_26_simpl0.0005.geojson").read_text(encoding="utf-8"))["features"]
    vinh_yen = next(shapely.geometry.shape(f["geometry"]) for f in features
                    if f["properties"]["district_code"] == "243")
    minx, miny, maxx, maxy = vinh_yen.bounds
    middle = (minx + maxx) / 2
    halves = [vinh_yen.intersection(box(minx, miny, middle, maxy)), vinh_yen.intersection(box(middle, miny, maxx, maxy))]
    frame = gpd.GeoDataFrame({"ma_xa": VINH_YEN[:2]}, geometry=halves, crs=B.WGS84).to_crs("EPSG:5897")
    path = shapefile_zip(tmp_path, frame)
    shipped = gpd.GeoDataFrame({"district_code": ["243"]}, geometry=[vinh_yen], crs=B.WGS84)
    check = B.read(path, registry, shipped=shipped).district_check.set_index("district_code")
    # the two halves cover the shipped district (less the 10 m simplification) and spill nowhere
    assert check.loc["243", "shipped_covered"] > 0.995 and check.loc["243", "outside_shipped"] < 0.005


def test_a_bad_boundary_file_is_quarantined_and_the_good_one_keeps_serving(tmp_path):
    """The pipeline: a good file publishes ref.commune_shapes; a later broken one is refused with its reason, goes to
    quarantine, and the snapshot keeps the communes of the good one."""
    import duckdb
    from builders import TICH_SON, population_csv
    from conftest_app import commune_boundaries

    from etl import snapshots as S
    from etl.pipeline import Progress, run
    from etl.settings import load_settings, save_province

    settings = load_settings(tmp_path / "data", province="26")
    save_province(settings)
    population_csv(settings.inbox / "population/dan_so.csv", [[TICH_SON, "đầu kỳ", 10000, 7000, 900, 1100, "TĐT"]])
    commune_boundaries(settings.inbox / "boundaries/ranh_gioi_xa.geojson", ("243",))
    assert run(settings, Progress(sink=lambda line: None)).snapshot

    def shapes() -> tuple:
        with duckdb.connect(str(S.current_snapshot(settings)), read_only=True) as con:
            return (con.execute("SELECT count(*) FROM ref.commune_shapes").fetchone()[0],
                    con.execute("SELECT illustrative, crs, missing_reason FROM ref.commune_geo_source").fetchone())

    assert shapes() == (9, (False, "WGS 84", None))
    bad = settings.inbox / "boundaries/hong.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("ghi_chu.txt", "không có shapefile")
    population_csv(settings.inbox / "population/dan_so_2.csv", [[TICH_SON, "hiện có", 10500, 7300, 950, 1150, "CDC"]])
    result = run(settings, Progress(sink=lambda line: None))
    (refused,) = result.rejected
    assert refused["file"] == "boundaries/hong.zip"
    assert refused["reason"] == 'Tệp "hong.zip": tệp nén cần đúng một shapefile (.shp), có 0: không có.'
    assert any(p.name.endswith("__hong.zip") for p in settings.quarantine.iterdir())  # with its .loi.txt note
    assert result.snapshot and shapes() == (9, (False, "WGS 84", None))  # the good file's communes still served
