-- one row per unit a ledger entry may be kept for in the viewer's scope: the province (province-level rows count for
-- everyone, as in check_rows), each district in scope and its communes; with its name and district
SELECT unit_code, unit_name, unit_level, district_code
FROM marts.units
WHERE unit_level = 'province' OR list_contains($scope, district_code) OR list_contains($scope, unit_code)
ORDER BY unit_code
