-- one row per district in scope (or per commune of $district) on the latest report date on or before the as-of date
-- (marts.care_gaps): active F0 without antiviral medicine and not monitored, counts and shares, whether either gap
-- grew since the day before; the largest gap without medicine first.
WITH d AS (SELECT max(report_date) AS d FROM marts.care_gaps WHERE report_date <= $as_of)
SELECT g.report_date, g.unit_code, u.unit_name, g.active_total, g.without_antiviral, g.without_antiviral_pct,
       g.not_monitored, g.not_monitored_pct, g.without_antiviral_change, g.not_monitored_change, g.gap_growing,
       g.is_complete, g.communes_reporting, g.communes_expected
FROM marts.care_gaps g
JOIN d ON g.report_date = d.d
JOIN marts.units u ON u.unit_code = g.unit_code
WHERE list_contains($scope, g.district_code)
  AND g.unit_level = CASE WHEN $district IS NULL THEN 'district' ELSE 'commune' END
  AND ($district IS NULL OR g.district_code = $district)
ORDER BY g.without_antiviral DESC NULLS LAST, g.not_monitored DESC NULLS LAST, g.unit_code
