-- one row per report date, the $days days up to the as-of date: new F0 over the districts in scope and its trailing
-- 7-day average (NULL until 7 days are available)
WITH d AS (SELECT max(report_date) AS d FROM marts.cases_daily WHERE report_date <= $as_of),
daily AS (
    SELECT c.report_date, sum(c.new_f0) AS new_f0, sum(c.active_home + c.active_facility) AS active
    FROM marts.cases_daily c, d
    WHERE c.unit_level = 'district' AND list_contains($scope, c.unit_code)
      AND c.report_date BETWEEN d.d - ($days + 6) AND d.d
    GROUP BY ALL
),
avg AS (
    SELECT report_date, new_f0, active,
           avg(new_f0) OVER w AS avg7, count(*) OVER w AS n
    FROM daily WINDOW w AS (ORDER BY report_date ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
)
SELECT report_date, new_f0::BIGINT AS new_f0, active::BIGINT AS active,
       CASE WHEN n = 7 THEN round(avg7, 1) END AS avg7
FROM avg, d
WHERE report_date > d.d - $days
ORDER BY report_date
