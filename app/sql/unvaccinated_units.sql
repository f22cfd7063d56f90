-- one row per unit ($level 'district', or 'commune' of district $district) in scope: people aged 12+ with no dose by
-- reason and priority group, from each district's latest report on or before the as-of date (marts.unvaccinated)
WITH latest AS (
    SELECT district_code, max(report_date) AS report_date FROM marts.unvaccinated
    WHERE unit_level = 'district' AND report_date <= $as_of AND list_contains($scope, district_code)
    GROUP BY district_code
)
SELECT v.report_date, v.unit_code, u.unit_name, v.district_code,
       v.unvaccinated_total, v.refused, v.deferred, v.contraindicated, v.unknown_reason,
       v.over50, v.comorbid, v.pregnant, v.blank_cells
FROM marts.unvaccinated v
JOIN latest l USING (district_code, report_date)
JOIN marts.units u ON u.unit_code = v.unit_code
WHERE v.unit_level = $level AND ($district IS NULL OR v.district_code = $district)
ORDER BY v.unvaccinated_total DESC, v.unit_code
