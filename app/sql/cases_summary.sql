-- one row: F0 over the districts in scope on the latest report date on or before the as-of date (marts.cases_metrics,
-- summed over the districts). One date basis for every 7-day figure of the headline: basis_date = trend_date, the
-- latest day on or before the report date on which every commune in scope had reported (UK dashboard convention, as
-- marts.cases_metrics trend_*: a day still filling never reads as a fall), or the report date itself while no day is
-- complete (basis_complete false); basis_label says so in Vietnamese for every page that shows them. The trailing
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
       '7 ngày đến ' || strftime(c.report_date, '%d/%m/%Y') || CASE WHEN tr.trend_date IS NOT NULL
           THEN ', ngày gần nhất mọi xã đã báo cáo' ELSE ' (chưa có ngày nào mọi xã đã báo cáo: số còn tăng)' END
           AS basis_label,
       c.last7::BIGINT AS last7, round(c.last7 / 7.0, 1) AS avg7,
       round(100000.0 * c.last7 / nullif(c.population, 0), 1) AS rate7_per_100k,
       t.active_home::BIGINT AS active_home, t.active_facility::BIGINT AS active_facility,
       round(100.0 * t.active_home / nullif(t.active, 0), 2) AS home_share_pct,
       round(100.0 * c.from_f1_7d / nullif(c.last7, 0), 2) AS new_f0_from_f1_7d_pct,
       t.new_severe::BIGINT AS new_severe, t.deaths::BIGINT AS deaths,
       round(100.0 * t.deaths_28d / nullif(t.new_f0_28d, 0), 3) AS cfr_28d_pct,
       round(100.0 * t.cumulative_deaths / nullif(t.cumulative_f0, 0), 3) AS cfr_cumulative_pct,
       g.without_antiviral::BIGINT AS without_antiviral, g.not_monitored::BIGINT AS not_monitored,
       round(100.0 * g.without_antiviral / nullif(g.gap_active, 0), 2) AS without_antiviral_pct,
       round(100.0 * g.not_monitored / nullif(g.gap_active, 0), 2) AS not_monitored_pct, g.gap_growing_in,
       coalesce(g.without_antiviral > 0 OR g.not_monitored > 0, false) AS has_gap,
       tr.trend_date,
       CASE WHEN tr.trend_date IS NOT NULL AND c.prev_known THEN (c.last7 - c.prev7) END::BIGINT AS change7,
       CASE WHEN tr.trend_date IS NOT NULL AND c.prev_known
            THEN round(100.0 * (c.last7 - c.prev7) / nullif(c.prev7, 0), 1) END AS change7_pct,
       CASE WHEN tr.trend_date IS NULL OR NOT c.prev_known OR c.prev_known IS NULL THEN NULL
            WHEN c.last7 > c.prev7 THEN 'up' WHEN c.last7 < c.prev7 THEN 'down' ELSE 'flat' END AS direction
FROM d
JOIN daily t ON t.report_date = d.d
CROSS JOIN trend tr
CROSS JOIN gaps g
JOIN daily c ON c.report_date = coalesce(tr.trend_date, d.d)
