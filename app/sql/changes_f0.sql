-- one row per district in scope, then one row of the scope's districts summed (unit_level 'scope', unit_code NULL), on
-- the latest report date on or before the as-of date (marts.cases_metrics): new F0 of the 7 report dates ending on it,
-- the population (dân số đầu kỳ) and the 7-day rate per 100.000 (marts.new_f0_7d_per_100k_by_report_date, a district's
-- as in cases_units.sql); is_complete: every commune of the unit had reported that day. "What changed since the last
-- briefing" (app.changes) reads it on both snapshots.
WITH d AS (SELECT max(report_date) AS d FROM marts.cases_metrics WHERE report_date <= $as_of),
own AS (
    SELECT m.report_date, m.unit_code, m.new_f0_7d_sum, m.population_total, m.is_complete
    FROM marts.cases_metrics m
    JOIN d ON m.report_date = d.d
    WHERE m.unit_level = 'district' AND list_contains($scope, m.district_code)
)
SELECT report_date, 'district' AS unit_level, unit_code, new_f0_7d_sum, population_total,
       marts.new_f0_7d_per_100k_by_report_date(new_f0_7d_sum, population_total) AS rate, is_complete
FROM own
UNION ALL
SELECT report_date, 'scope', NULL, sum(new_f0_7d_sum)::BIGINT, sum(population_total)::BIGINT,
       marts.new_f0_7d_per_100k_by_report_date(sum(new_f0_7d_sum), sum(population_total)), bool_and(is_complete)
FROM own
GROUP BY report_date
ORDER BY unit_level = 'scope', unit_code
