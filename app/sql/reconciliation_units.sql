-- one row per unit × cohort × dose in each district's latest report on or before the as-of date: district rows, or the
-- communes of one district; ratio_pct = reported ÷ platform × 100, flagged outside 100 ± 10
WITH latest AS (
    SELECT district_code, max(report_date) AS report_date FROM marts.reconciliation
    WHERE unit_level = 'district' AND report_date <= $as_of AND list_contains($scope, district_code)
    GROUP BY district_code
)
SELECT r.report_date, r.unit_code, u.unit_name, r.district_code, r.cohort, r.dose, r.reported, r.platform,
       r.difference, r.ratio_pct, r.flagged
FROM marts.reconciliation r
JOIN latest l USING (district_code, report_date)
JOIN marts.units u ON u.unit_code = r.unit_code
WHERE r.unit_level = $level AND ($district IS NULL OR r.district_code = $district)
ORDER BY r.flagged DESC, coalesce(r.deviation_pp, 0) DESC, r.unit_code, r.cohort, r.dose
