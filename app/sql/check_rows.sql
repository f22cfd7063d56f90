-- one row per row flagged by data check $check_id (checks.results) for the districts in scope (province-level rows
-- count for everyone): the unit, its district, the date the row refers to and what is implausible; the latest first,
-- at most $limit rows (the count of every flagged row is in check_summary)
SELECT r.unit_code, coalesce(u.unit_name, r.unit_code) AS unit_name, r.unit_level, d.unit_name AS district_name,
       r.ref_date, r.detail
FROM checks.results r
LEFT JOIN marts.units u ON u.unit_code = r.unit_code
LEFT JOIN marts.units d ON d.unit_code = r.district_code
WHERE r.check_id = $check_id AND (r.district_code IS NULL OR list_contains($scope, r.district_code))
ORDER BY r.ref_date DESC NULLS LAST, r.unit_code
LIMIT $limit
