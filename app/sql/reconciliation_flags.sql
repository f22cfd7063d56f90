-- one row per district × cohort × dose flagged (district report outside 100 ± 10% of the platform) in each district's
-- latest report on or before the as-of date; the furthest first
WITH latest AS (
    SELECT unit_code, max(report_date) AS report_date FROM marts.reconciliation
    WHERE unit_level = 'district' AND report_date <= $as_of AND list_contains($scope, unit_code)
    GROUP BY unit_code
)
SELECT r.report_date, r.unit_code AS district_code, u.unit_name AS district_name, r.cohort, r.dose,
       r.reported, r.platform, r.difference, r.ratio_pct
FROM marts.reconciliation r
JOIN latest l USING (unit_code, report_date)
JOIN marts.units u ON u.unit_code = r.unit_code
WHERE r.unit_level = 'district' AND r.flagged
ORDER BY abs(coalesce(r.ratio_pct, 100) - 100) DESC, r.unit_code, r.cohort, r.dose
