"""The maps (app.maps, app.svgmap): one colour language, every unit named on the map with its figure, drawn from the
real boundaries without a network."""
import json
import math
from pathlib import Path

import pandas as pd
import shapely

from app import maps as M
from app import svgmap
from svgmaps import parse

PROJECT = Path(__file__).resolve().parent.parent


def square(lon: float, lat: float, side: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + side, lat], [lon + side, lat + side],
                                                [lon, lat + side], [lon, lat]]]}


def shapes_of(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["district_code", "district_name", "geometry_geojson"])


def units_of(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["unit_code", "unit_name", "numerator", "denominator", "value"])


def luminance(colour: str) -> float:
    return svgmap._luminance(colour)


def test_coverage_bins_follow_the_targets_and_data_problems_have_their_own_marks():
    bins = M.bins_for(pd.Series([45.0, 96.0, 101.2, None, 80.0]), "coverage")
    assert [bins.labels[i] for i in bins.index] == ["dưới 50%", "95–100%", "trên 100% (cần rà soát)",
                                                    "chưa có số liệu", "80–90%"]
    assert [bins.colours[i] for i in bins.index] == ["#b30000", "#fef0d9", M.FLAG, M.NO_DATA, "#fc8d59"]
    counts = M.bins_for(pd.Series([120, 2600, -50]), "unvaccinated")
    assert counts.labels[counts.index[2]].startswith("âm") and counts.labels[0] == "0–1.000"


def test_darker_always_means_worse_and_the_shades_part_in_greyscale():
    """Lower coverage, more unvaccinated, more drop-out, more F0, fuller facilities: darker. The shades' luminance
    (what a greyscale print keeps) steps by at least 0,08 between neighbouring bins."""
    worse_first = {"coverage": [10.0, 60.0, 85.0, 92.0, 99.0], "dropout": [30.0, 15.0, 7.0, 1.0],
                   "occupancy": [150.0, 95.0, 85.0, 60.0, 10.0], "rate": [480.0, 350.0, 250.0, 150.0, 50.0],
                   "unvaccinated": [4900.0, 3500.0, 2500.0, 1500.0, 500.0]}
    for metric, values in worse_first.items():
        bins = M.bins_for(pd.Series(values), metric)
        shades = [luminance(bins.colours[i]) for i in bins.index]
        assert all(b - a >= 0.08 for a, b in zip(shades, shades[1:])), (metric, shades)
        assert M.FLAG not in bins.colours and M.NO_DATA not in bins.colours


def test_occupancy_bins_and_no_review_bin_for_a_rate():
    bins = M.bins_for(pd.Series([30.0, 85.0, 100.0, 250.0, None]), "occupancy")
    assert [bins.labels[i] for i in bins.index] == ["dưới 50%", "80–90%", "từ 100% trở lên (quá tải)",
                                                    "từ 100% trở lên (quá tải)", "chưa có số liệu"]
    rate = M.bins_for(pd.Series([0.0, 466.7]), "rate")
    assert not any("rà soát" in label for label in rate.labels), rate.labels


def test_map_names_are_the_short_forms_maps_print():
    assert [M.map_name(n) for n in ("Thành phố Vĩnh Yên", "Thị xã Sơn Tây", "Huyện Tam Dương", "Phường Tích Sơn",
                                    "Thị Trấn Thổ Tang", "Xã Đạo Trù", "Quận Ba Đình")] == \
        ["TP. Vĩnh Yên", "TX. Sơn Tây", "Tam Dương", "P. Tích Sơn", "TT. Thổ Tang", "Đạo Trù", "Q. Ba Đình"]


def test_a_district_is_named_with_its_figure_and_hover_carries_numerator_and_denominator():
    shapes = shapes_of(("243", "Thành phố Vĩnh Yên", json.dumps(square(105.5, 21.2, 0.2))))
    units = units_of(("243", "Thành phố Vĩnh Yên", 19100, 21000, 90.95))
    drawn = parse("m", M.district_svg(units, shapes, "coverage", "Người đã tiêm ≥ mũi 1", "Dân số đầu kỳ",
                                      "Tỷ lệ bao phủ", uid="m"))
    assert drawn.labels == {"243": ["TP. Vĩnh Yên", "90,95%"]}
    assert drawn.hovers["243"] == ("Thành phố Vĩnh Yên\nNgười đã tiêm ≥ mũi 1: 19.100\nDân số đầu kỳ: 21.000\n"
                                   "Tỷ lệ bao phủ: 90,95%")
    assert drawn.bin_of("243") == "90–95%" and drawn.title == "Tỷ lệ bao phủ"
    assert "http" not in drawn.svg.replace("http://www.w3.org/2000/svg", "")  # nothing to fetch


def test_the_projection_keeps_true_shapes():
    """A 0,2° square at 21,2–21,4° N is 0,2 × 111,32 × cos(21,3°) = 20,74 km wide and 0,2 × 110,7 = 22,14 km high:
    drawn in metres (UTM 48N), not stretched like plain longitude and latitude."""
    geo = svgmap.geometry((("1", "A", json.dumps(square(105.5, 21.2, 0.2))),))
    minx, miny, maxx, maxy = geo.polygons[0].bounds
    assert math.isclose((maxx - minx) / (maxy - miny), 20.74 / 22.14, rel_tol=0.01)
    assert math.isclose(maxy - miny, svgmap.MAX_HEIGHT - 2 * svgmap.PAD, rel_tol=0.01)  # a tall shape fills the height


def test_a_geometry_collection_is_drawn_by_its_polygons():
    """The shipped national boundary file has GeometryCollections (a polygon and a stray line left by
    simplification): the map keeps the polygon."""
    collection = {"type": "GeometryCollection", "geometries": [
        square(105.5, 21.2, 0.2), {"type": "LineString", "coordinates": [[105.7, 21.2], [105.9, 21.5]]}]}
    geo = svgmap.geometry((("184", "Huyện A", json.dumps(collection)),))
    assert geo.polygons[0].geom_type == "Polygon" and geo.paths[0].count("Z") == 1
    # the stray line does not stretch the frame: the polygon alone fills the drawing's height
    assert math.isclose(geo.polygons[0].bounds[3] - geo.polygons[0].bounds[1], svgmap.MAX_HEIGHT - 2 * svgmap.PAD,
                        rel_tol=0.01)


def test_a_district_without_a_row_is_hatched_and_named_not_left_out():
    shapes = shapes_of(("243", "Thành phố Vĩnh Yên", json.dumps(square(105.5, 21.2, 0.2))),
                       ("248", "Huyện Tam Đảo", json.dumps(square(105.7, 21.2, 0.2))))
    units = units_of(("243", "Thành phố Vĩnh Yên", 120, 150, 80.0))
    drawn = parse("m", M.district_svg(units, shapes, "occupancy", "Đang điều trị", "Giường sẵn sàng", "Công suất",
                                      uid="m"))
    assert drawn.fills == {"243": "#fc8d59", "248": "none"}
    assert drawn.bin_of("248") == "chưa có số liệu" and drawn.labels["248"] == ["Tam Đảo", "chưa có số liệu"]


def test_a_label_sits_inside_its_polygon_even_where_the_centroid_is_outside():
    """A U-shaped district: its centroid falls in the notch, outside it; the label goes to a point inside."""
    u = {"type": "Polygon", "coordinates": [[[105.0, 21.0], [105.6, 21.0], [105.6, 21.6], [105.45, 21.6],
                                             [105.45, 21.15], [105.15, 21.15], [105.15, 21.6], [105.0, 21.6],
                                             [105.0, 21.0]]]}
    geo = svgmap.geometry((("1", "Huyện Chữ U", json.dumps(u)),))
    polygon = geo.polygons[0]
    assert not polygon.contains(polygon.centroid)
    (label,) = svgmap.place_labels(geo, {"1": ("Chữ U", "1,00%")})
    assert label.inside and polygon.contains(shapely.Point(label.x, label.y + svgmap.sizes(1)[2]))


def test_a_district_too_small_for_its_label_is_named_beside_it_with_a_leader_line():
    big = square(105.0, 21.0, 0.6)
    tiny = square(105.62, 21.3, 0.01)  # 1 km wide: a few pixels on the province's map
    shapes = shapes_of(("1", "Huyện Rộng", json.dumps(big)), ("2", "Thị trấn Rất Nhỏ Bé", json.dumps(tiny)))
    units = units_of(("1", "Huyện Rộng", 1, 2, 50.0), ("2", "Thị trấn Rất Nhỏ Bé", 1, 2, 50.0))
    svg = M.district_svg(units, shapes, "coverage", "Tử số", "Mẫu số", "Tỷ lệ", uid="m")
    geo = svgmap.geometry(tuple(zip(shapes["district_code"], shapes["district_name"], shapes["geometry_geojson"])))
    labels = {lab.code: lab for lab in svgmap.place_labels(geo, {"1": ("Rộng", "50,00%"),
                                                                  "2": ("TT. Rất Nhỏ Bé", "50,00%")})}
    assert labels["1"].inside and not labels["2"].inside and labels["2"].number is None
    x1, y1, _, _ = labels["2"].leader
    assert geo.polygons[1].buffer(1).contains(shapely.Point(x1, y1))  # the line starts in the tiny district
    assert parse("m", svg).labels["2"] == ["TT. Rất Nhỏ Bé", "50,00%"] and 'class="dan"' in svg


def test_a_label_with_no_free_place_is_numbered_and_named_in_the_key():
    """Five tiny districts in a row on a map too small to set their names beside them: numbers on the map, names
    and figures in the key under it, none lost."""
    rows = tuple((str(i), f"Xã Có Tên Rất Dài Số {i}", json.dumps(square(105.0 + 0.011 * i, 21.0, 0.01)))
                 for i in range(5))
    geo = svgmap.geometry(rows, width=120, max_height=40)
    lines = {str(i): (f"Có Tên Rất Dài Số {i}", "12,00%") for i in range(5)}
    labels = svgmap.place_labels(geo, lines)
    assert len(labels) == 5 and any(lab.number for lab in labels)
    style = svgmap.Style({str(i): "#fef0d9" for i in range(5)}, [("#fef0d9", "dưới 50%")])
    drawn = parse("m", svgmap.render(geo, style, lines, {}, uid="m", title="Tỷ lệ"))
    numbered = [lab for lab in labels if lab.number]
    assert drawn.numbered == [f"{lab.number}. {' — '.join(lab.lines)}" for lab in numbered]


def test_the_real_province_map_is_small_and_names_every_district():
    """Vĩnh Phúc's 9 districts from the shipped boundaries: every one labelled, the payload far under 300 KB."""
    features = json.loads((PROJECT / "geo/districts_26_simpl0.0005.geojson").read_text(encoding="utf-8"))["features"]
    shapes = shapes_of(*((f["properties"]["district_code"], f["properties"]["district_name"],
                          json.dumps(f["geometry"])) for f in features))
    units = units_of(*((c, n, 1, 1, 100.0) for c, n, _ in shapes.itertuples(index=False)))
    svg = M.district_svg(units, shapes, "coverage", "Tử số", "Mẫu số", "Tỷ lệ", uid="m")
    drawn = parse("m", svg)
    assert len(drawn.labels) == 9 and len(svg.encode()) < 60_000
    assert drawn.labels["243"] == ["TP. Vĩnh Yên", "100,00%"]


def test_a_dense_map_uses_smaller_labels_short_leaders_and_a_key_in_columns():
    """40 communes in a grid: labels at 11/10 px; none set farther than LEADER_PX from its commune; the rest numbered
    and named in a key laid out in columns."""
    rows = tuple((f"{i:05d}", f"Xã Có Một Cái Tên Rất Dài Số {i}",
                  json.dumps(square(105.0 + 0.003 * (i % 8), 21.0 + 0.003 * (i // 8), 0.003))) for i in range(40))
    geo = svgmap.geometry(rows)
    lines = {code: (M.map_name(name), "50,00%") for code, name, _ in rows}
    labels = svgmap.place_labels(geo, lines)
    assert svgmap.sizes(40) == svgmap.DENSE_PX and len(labels) == 40
    for label in labels:
        if label.leader:
            x1, y1, x2, y2 = label.leader
            assert math.hypot(x2 - x1, y2 - y1) <= svgmap.LEADER_PX
    numbered = [lab for lab in labels if lab.number]
    assert len(numbered) >= 2
    style = svgmap.Style({code: "#fef0d9" for code, _, _ in rows}, [("#fef0d9", "dưới 50%")])
    svg = svgmap.render(geo, style, lines, {}, uid="m", title="Tỷ lệ")
    assert len(parse("m", svg).numbered) == len(numbered)
    key_x = {float(x) for x in __import__("re").findall(r'<text x="([\d.]+)" y="[\d.]+" font-size="12"><tspan', svg)}
    assert len(key_x) >= 2  # more than one column
