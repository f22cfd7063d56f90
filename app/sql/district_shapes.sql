-- one row per district in scope that has a polygon: GeoJSON geometry text (ref.district_shapes)
SELECT s.district_code, u.unit_name AS district_name, s.geometry_geojson
FROM ref.district_shapes s JOIN marts.units u ON u.unit_code = s.district_code
WHERE list_contains($scope, s.district_code)
ORDER BY s.district_code
