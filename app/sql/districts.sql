-- one row per district in the viewer's scope
SELECT unit_code AS district_code, unit_name AS district_name, short_name
FROM marts.units
WHERE unit_level = 'district' AND list_contains($scope, unit_code)
ORDER BY unit_code
