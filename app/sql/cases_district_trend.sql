-- one row per district in scope and report date, the $days days up to the latest report date on or before the as-of
-- date (marts.cases_metrics), for the small multiples: new F0, the trailing 7-day average, the 7-day rate per 100.000
-- (dân số đầu kỳ) and whether every commune of the district had reported that day; the province's rate on the same
-- day (province_new_f0_7d_per_100k_by_report_date) as the reference line drawn in every panel, and how many districts in scope had
-- not every commune reported that day (districts_incomplete).
WITH d AS (SELECT max(report_date) AS d FROM marts.cases_metrics WHERE report_date <= $as_of)
SELECT m.report_date, m.unit_code, u.unit_name, u.short_name, m.new_f0, m.new_f0_7d_avg_by_report_date,
       m.new_f0_7d_per_100k_by_report_date, m.is_complete, m.communes_reporting, m.communes_expected,
       p.new_f0_7d_per_100k_by_report_date AS province_new_f0_7d_per_100k_by_report_date,
       count(*) FILTER (WHERE NOT coalesce(m.is_complete, false)) OVER (PARTITION BY m.report_date)
           AS districts_incomplete
FROM marts.cases_metrics m
CROSS JOIN d
JOIN marts.units u ON u.unit_code = m.unit_code
LEFT JOIN marts.cases_metrics p
       ON p.unit_level = 'province' AND p.unit_code = m.province_code AND p.report_date = m.report_date
WHERE m.unit_level = 'district' AND list_contains($scope, m.district_code)
  AND m.report_date > d.d - $days AND m.report_date <= d.d
ORDER BY m.unit_code, m.report_date
