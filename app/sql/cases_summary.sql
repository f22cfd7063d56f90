-- one row: F0 over the districts in scope on the latest report date on or before the as-of date (marts.cases_metrics,
-- summed over the districts). One date basis for every 7-day figure of the headline: basis_date = trend_date, the
-- latest day on or before the report date on which every commune in scope had reported (UK dashboard convention, as
-- marts.cases_metrics trend_*: a day still filling never reads as a fall), or the report date itself while no day is
-- complete (basis_complete false); app.formatting.basis_label says so in Vietnamese on every page. The trailing
-- 7-day sum, average and rate per 100.000, the share of new F0 already F1 over those 7 days, and the week-on-week
-- change and direction are all measured to basis_date (no change or direction while no day is complete); new F0,
-- active F0, severe cases and deaths are those of the report date (still filling when is_complete is false).
-- Shares and ratios are taken over the scope's sums (the districts' own ratios cannot be added): active at home,
-- deaths ÷ F0 over 28 days and since the start of the series. Care gaps on the report date (marts.care_gaps, the
-- districts in scope): active F0 without antiviral medicine and not monitored, and the districts where either grew
-- since the day before.
WITH d AS (SELECT max(report_date) AS d FROM marts.cases_metrics WHERE report_date <= $as_of),
daily AS (
    SELECT m.report_date, sum(m.new_f0) AS new_f0, sum(m.active_total) AS active,
           sum(m.active_home) AS active_home, sum(m.active_facility) AS active_facility,
           sum(m.new_f0_from_f1_7d) AS from_f1_7d, sum(m.new_severe) AS new_severe, sum(m.deaths) AS deaths,
           sum(m.new_f0_28d) AS new_f0_28d, sum(m.deaths_28d) AS deaths_28d,
           sum(m.cumulative_f0) AS cumulative_f0, sum(m.cumulative_deaths) AS cumulative_deaths,
           sum(m.communes_reporting) AS communes_reporting, sum(m.communes_expected) AS communes_expected,
           sum(m.population_total) AS population, sum(m.new_f0_7d_sum) AS last7, sum(m.new_f0_prev_7d) AS prev7,
           count(m.new_f0_prev_7d) = count(*) AS prev_known, bool_and(m.is_complete) AS is_complete
    FROM marts.cases_metrics m, d
    WHERE m.unit_level = 'district' AND list_contains($scope, m.district_code) AND m.report_date <= d.d
    GROUP BY m.report_date
),
trend AS (SELECT max(report_date) AS trend_date FROM daily WHERE is_complete),
gaps AS (
    SELECT sum(g.without_antiviral) AS without_antiviral, sum(g.not_monitored) AS not_monitored,
           sum(g.active_total) AS gap_active,
           string_agg(u.unit_name, ', ' ORDER BY g.unit_code) FILTER (WHERE g.gap_growing) AS gap_growing_in
    FROM marts.care_gaps g, d
    JOIN marts.units u ON u.unit_code = g.unit_code
    WHERE g.unit_level = 'district' AND list_contains($scope, g.district_code) AND g.report_date = d.d
)
SELECT t.report_date, t.new_f0::BIGINT AS new_f0, t.active::BIGINT AS active,
       t.communes_reporting::INTEGER AS communes_reporting, t.communes_expected::INTEGER AS communes_expected,
       t.is_complete, t.population::BIGINT AS population,
       c.report_date AS basis_date, tr.trend_date IS NOT NULL AS basis_complete,
       c.last7::BIGINT AS new_f0_7d_sum, marts.new_f0_7d_avg_by_report_date(c.last7) AS new_f0_7d_avg_by_report_date,
       marts.new_f0_7d_per_100k_by_report_date(c.last7, c.population) AS new_f0_7d_per_100k_by_report_date,
       t.active_home::BIGINT AS active_home, t.active_facility::BIGINT AS active_facility,
       marts.share_pct(t.active_home, t.active) AS home_share_pct,
       marts.share_pct(c.from_f1_7d, c.last7) AS new_f0_from_f1_7d_pct,
       t.new_severe::BIGINT AS new_severe, t.deaths::BIGINT AS deaths,
       marts.case_fatality_pct(t.deaths_28d, t.new_f0_28d) AS cfr_28d_pct,
       marts.case_fatality_pct(t.cumulative_deaths, t.cumulative_f0) AS cfr_cumulative_pct,
       g.without_antiviral::BIGINT AS without_antiviral, g.not_monitored::BIGINT AS not_monitored,
       marts.share_pct(g.without_antiviral, g.gap_active) AS without_antiviral_pct,
       marts.share_pct(g.not_monitored, g.gap_active) AS not_monitored_pct, g.gap_growing_in,
       tr.trend_date,
       CASE WHEN tr.trend_date IS NOT NULL AND c.prev_known
            THEN marts.new_f0_7d_change_by_report_date(c.last7, c.prev7) END AS new_f0_7d_change_by_report_date,
       CASE WHEN tr.trend_date IS NOT NULL AND c.prev_known
            THEN marts.new_f0_7d_change_pct_by_report_date(c.last7, c.prev7) END AS new_f0_7d_change_pct_by_report_date,
       CASE WHEN tr.trend_date IS NOT NULL AND c.prev_known
            THEN marts.new_f0_7d_direction_by_report_date(c.last7, c.prev7) END AS direction
FROM d
JOIN daily t ON t.report_date = d.d
CROSS JOIN trend tr
CROSS JOIN gaps g
JOIN daily c ON c.report_date = coalesce(tr.trend_date, d.d)
