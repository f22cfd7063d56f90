-- one row per unit (the province first, then each district in scope) on the latest report date on or before the
-- as-of date (marts.cases_metrics): 7-day figures as of that date and, for the direction, as of trend_date (the
-- latest day every commune reported: incomplete days are kept out of the trend). numerator/denominator/value name
-- the F0 of 7 days, the population (dân số đầu kỳ) and the rate per 100.000, for the district map.
WITH d AS (SELECT max(report_date) AS d FROM marts.cases_metrics WHERE report_date <= $as_of)
SELECT m.report_date, m.unit_level, m.unit_code, u.unit_name, m.new_f0, m.new_f0_7d_sum,
       m.new_f0_7d_avg_by_report_date, m.new_f0_7d_per_100k_by_report_date, m.is_complete, m.communes_reporting,
       m.communes_expected, m.trend_date, m.trend_new_f0_7d_sum, m.trend_wow_change,
       m.trend_new_f0_7d_change_pct_by_report_date, m.trend_direction, m.active_home,
       m.active_facility, m.active_total, m.home_share_pct, m.new_f0_from_f1_7d_pct, m.new_severe, m.deaths,
       m.cfr_cumulative_pct, m.cfr_28d_pct, m.population_total,
       m.new_f0_7d_sum AS numerator, m.population_total AS denominator,
       m.new_f0_7d_per_100k_by_report_date AS value
FROM marts.cases_metrics m
JOIN d ON m.report_date = d.d
JOIN marts.units u ON u.unit_code = m.unit_code
WHERE (m.unit_level = 'province'
       AND m.unit_code IN (SELECT province_code FROM marts.units WHERE list_contains($scope, unit_code)))
   OR (m.unit_level = 'district' AND list_contains($scope, m.district_code))
ORDER BY m.unit_level = 'district', m.new_f0_7d_per_100k_by_report_date DESC NULLS LAST, m.unit_code
