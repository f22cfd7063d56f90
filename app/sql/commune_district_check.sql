-- one row per district in scope: the share of the shipped district polygon the boundary file's communes cover, and
-- the share of the file's district outside it (ref.commune_district_check, etl/boundaries.py)
SELECT c.district_code AS unit_code, u.unit_name, c.covered_pct, c.outside_pct
FROM ref.commune_district_check c JOIN marts.units u ON u.unit_code = c.district_code
WHERE list_contains($scope, c.district_code)
ORDER BY c.district_code
