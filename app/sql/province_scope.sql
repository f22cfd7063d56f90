-- one row per district in the viewer's scope that belongs to province $province (the whole-country snapshot '00'
-- narrows its map to one province at a time)
SELECT unit_code AS district_code
FROM marts.units
WHERE unit_level = 'district' AND province_code = $province AND list_contains($scope, unit_code)
ORDER BY unit_code
