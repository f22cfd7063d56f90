-- one row: F0 on the latest report date on or before the as-of date, over the districts in scope; trailing 7-day
-- average, the 7 days before, week-on-week change, 7-day rate per 100,000 (UK dashboard conventions)
WITH d AS (SELECT max(report_date) AS d FROM marts.cases_daily WHERE report_date <= $as_of),
daily AS (
    SELECT c.report_date, sum(c.new_f0) AS new_f0, sum(c.active_home + c.active_facility) AS active,
           sum(c.active_with_antiviral) AS antiviral, sum(c.active_monitored) AS monitored, sum(c.deaths) AS deaths,
           sum(c.communes_reporting) AS communes_reporting, sum(c.communes_expected) AS communes_expected,
           sum(c.population_total) AS population
    FROM marts.cases_daily c, d
    WHERE c.unit_level = 'district' AND list_contains($scope, c.unit_code) AND c.report_date BETWEEN d.d - 13 AND d.d
    GROUP BY ALL
),
w AS (
    SELECT sum(new_f0) FILTER (WHERE report_date > d.d - 7) AS last7,
           sum(new_f0) FILTER (WHERE report_date <= d.d - 7) AS prev7,
           count(*) FILTER (WHERE report_date <= d.d - 7) AS prev_days
    FROM daily, d
)
SELECT d.d AS report_date, t.new_f0::BIGINT AS new_f0, t.active::BIGINT AS active, t.antiviral::BIGINT AS antiviral,
       t.monitored::BIGINT AS monitored, t.communes_reporting::INTEGER AS communes_reporting,
       t.communes_expected::INTEGER AS communes_expected, t.population::BIGINT AS population,
       w.last7::BIGINT AS last7, round(w.last7 / 7.0, 1) AS avg7,
       CASE WHEN w.prev_days = 7 THEN w.prev7 END::BIGINT AS prev7,
       CASE WHEN w.prev_days = 7 THEN round(w.prev7 / 7.0, 1) END AS prev_avg7,
       CASE WHEN w.prev_days = 7 THEN (w.last7 - w.prev7) END::BIGINT AS change7,
       CASE WHEN w.prev_days = 7 THEN round(100.0 * (w.last7 - w.prev7) / nullif(w.prev7, 0), 1) END AS change7_pct,
       round(100000.0 * w.last7 / nullif(t.population, 0), 1) AS rate7_per_100k,
       CASE WHEN w.prev_days < 7 THEN NULL WHEN w.last7 > w.prev7 THEN 'up' WHEN w.last7 < w.prev7 THEN 'down'
            ELSE 'flat' END AS direction
FROM d CROSS JOIN w JOIN daily t ON t.report_date = d.d
