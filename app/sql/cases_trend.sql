-- one row per report date, the $days days up to the latest report date on or before the as-of date, summed over the
-- districts in scope (marts.cases_metrics): new F0, the trailing 7-day average (NULL until the series holds 7 days),
-- the 7-day rate per 100.000 (dân số đầu kỳ), active F0 at home and in facilities, newly severe, deaths, and whether
-- every commune in scope had reported that day (is_complete: an incomplete day is still filling and is marked).
WITH d AS (SELECT max(report_date) AS d FROM marts.cases_metrics WHERE report_date <= $as_of)
SELECT m.report_date,
       sum(m.new_f0)::BIGINT AS new_f0,
       marts.new_f0_7d_avg_by_report_date(sum(m.new_f0_7d_sum)) AS new_f0_7d_avg_by_report_date,
       marts.new_f0_7d_per_100k_by_report_date(sum(m.new_f0_7d_sum), sum(m.population_total))
           AS new_f0_7d_per_100k_by_report_date,
       sum(m.active_home)::BIGINT AS active_home,
       sum(m.active_facility)::BIGINT AS active_facility,
       sum(m.active_total)::BIGINT AS active,
       sum(m.new_severe)::BIGINT AS new_severe,
       sum(m.deaths)::BIGINT AS deaths,
       sum(m.communes_reporting)::BIGINT AS communes_reporting,
       sum(m.communes_expected)::BIGINT AS communes_expected,
       bool_and(m.is_complete) AS is_complete
FROM marts.cases_metrics m, d
WHERE m.unit_level = 'district' AND list_contains($scope, m.district_code)
  AND m.report_date > d.d - $days AND m.report_date <= d.d
GROUP BY m.report_date
ORDER BY m.report_date
