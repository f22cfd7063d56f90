-- one row per unit × cohort × dose flagged (district report outside 100 ± 10% of the platform) in each district's
-- latest report on or before the as-of date, at the level asked: 'district' (the district's communes summed: "huyện ×
-- nhóm tuổi × mũi") or 'commune' ("xã × nhóm tuổi × mũi"). The one definition of "report vs platform deviations"
-- that the overview and the data-quality page both count; the furthest first
WITH latest AS (
    SELECT district_code, max(report_date) AS report_date FROM marts.reconciliation
    WHERE unit_level = 'district' AND report_date <= $as_of AND list_contains($scope, district_code)
    GROUP BY district_code
)
SELECT r.report_date, r.unit_level, r.unit_code, u.unit_name, r.district_code, d.unit_name AS district_name,
       r.cohort, r.dose, r.reported, r.platform, r.difference, r.ratio_pct
FROM marts.reconciliation r
JOIN latest l USING (district_code, report_date)
JOIN marts.units u ON u.unit_code = r.unit_code
JOIN marts.units d ON d.unit_code = r.district_code
WHERE r.unit_level = $level AND r.flagged
ORDER BY coalesce(r.deviation_pp, 0) DESC, r.unit_code, r.cohort, r.dose
