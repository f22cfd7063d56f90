-- one row per report expected of a district in scope (or of the province), due on or before the as-of date
SELECT r.unit_code, u.unit_name, r.report_kind, r.title, r.due_date, r.received_date, r.files_received, r.status,
       r.days_late
FROM marts.report_submissions r
JOIN marts.units u ON u.unit_code = r.unit_code
WHERE r.due_date <= $as_of AND ((r.unit_level = 'province'
       AND r.unit_code IN (SELECT province_code FROM marts.units WHERE list_contains($scope, unit_code))) OR list_contains($scope, r.district_code))
ORDER BY CASE r.status WHEN 'missing' THEN 0 WHEN 'late' THEN 1 ELSE 2 END, r.due_date DESC, r.unit_code
