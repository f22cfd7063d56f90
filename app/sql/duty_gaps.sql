-- one row per duty check up to the as-of date that found nobody on duty at a commune health station of a district
-- in scope (marts.duty_checks, staff_present false), latest first
SELECT c.checked_at, c.check_date, c.unit_code, c.unit_name, c.district_code, u.unit_name AS district_name, c.note
FROM marts.duty_checks c
LEFT JOIN marts.units u ON u.unit_code = c.district_code
WHERE c.staff_present = false AND c.check_date <= $as_of AND list_contains($scope, c.district_code)
ORDER BY c.checked_at DESC, c.unit_code
