-- one row per commune in scope (of district $district when given) that has a polygon in the province's commune
-- boundary file (ref.commune_shapes, etl/boundaries.py): GeoJSON geometry text
SELECT s.commune_code, u.unit_name AS commune_name, s.geometry_geojson
FROM ref.commune_shapes s JOIN marts.units u ON u.unit_code = s.commune_code
WHERE list_contains($scope, s.district_code) AND ($district IS NULL OR s.district_code = $district)
ORDER BY s.commune_code
