-- one row per commune in scope (of district $district when given) on the latest report date on or before the as-of
-- date (marts.cases_metrics): F0 over 7 days, the population (dân số đầu kỳ) and the rate per 100.000 as numerator,
-- denominator and value for the commune map, with the week-on-week direction over complete days (trend_direction)
WITH d AS (SELECT max(report_date) AS d FROM marts.cases_metrics WHERE report_date <= $as_of)
SELECT m.report_date, m.unit_code, u.unit_name, m.trend_direction,
       m.new_f0_7d_sum AS numerator, m.population_total AS denominator,
       m.new_f0_7d_per_100k_by_report_date AS value
FROM marts.cases_metrics m
JOIN d ON m.report_date = d.d
JOIN marts.units u ON u.unit_code = m.unit_code
WHERE m.unit_level = 'commune' AND list_contains($scope, m.district_code)
  AND ($district IS NULL OR m.district_code = $district)
ORDER BY m.unit_code
