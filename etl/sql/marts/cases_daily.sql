-- grain: report_date × unit_code, dense daily from the first to the latest report date. Date basis: report date.
-- A commune with no row for a day has not reported: its counts are 0 in the sums and communes_reporting shows it.
WITH bounds AS (SELECT min(report_date) AS d0, max(report_date) AS d1 FROM staging.cases),
dates AS (SELECT unnest(generate_series(d0, d1, INTERVAL 1 DAY))::DATE AS report_date FROM bounds),
commune AS (
    SELECT t.report_date, u.unit_code, u.district_code, u.province_code,
           coalesce(c.new_f0, 0) AS new_f0, coalesce(c.new_f0_from_f1, 0) AS new_f0_from_f1,
           coalesce(c.active_home, 0) AS active_home, coalesce(c.active_facility, 0) AS active_facility,
           coalesce(c.recovered, 0) AS recovered, coalesce(c.new_severe, 0) AS new_severe, coalesce(c.deaths, 0) AS deaths,
           coalesce(c.active_with_antiviral, 0) AS active_with_antiviral, coalesce(c.active_monitored, 0) AS active_monitored,
           (c.commune_code IS NOT NULL)::INTEGER AS communes_reporting, 1 AS communes_expected,
           sum(coalesce(c.new_f0, 0)) OVER w AS cumulative_f0, sum(coalesce(c.deaths, 0)) OVER w AS cumulative_deaths
    FROM ref.units u CROSS JOIN dates t
    LEFT JOIN staging.cases c ON c.commune_code = u.unit_code AND c.report_date = t.report_date
    WHERE u.unit_level = 'commune'
    WINDOW w AS (PARTITION BY u.unit_code ORDER BY t.report_date ROWS UNBOUNDED PRECEDING)
),
-- A district's rows are summed from the reports themselves (staging.cases), not from the communes' dense rows: these
-- are then read once (into the result) instead of being kept for a second reading. Every commune has a row every day,
-- so a district's running totals are the running sums of its daily sums, and the province sums the ≈ 700 districts of
-- a national build instead of its ≈ 10,600 communes.
district AS (
    SELECT t.report_date, x.district_code AS unit_code, x.district_code, x.province_code,
           coalesce(s.new_f0, 0) AS new_f0, coalesce(s.new_f0_from_f1, 0) AS new_f0_from_f1,
           coalesce(s.active_home, 0) AS active_home, coalesce(s.active_facility, 0) AS active_facility,
           coalesce(s.recovered, 0) AS recovered, coalesce(s.new_severe, 0) AS new_severe, coalesce(s.deaths, 0) AS deaths,
           coalesce(s.active_with_antiviral, 0) AS active_with_antiviral,
           coalesce(s.active_monitored, 0) AS active_monitored, coalesce(s.communes_reporting, 0) AS communes_reporting,
           x.communes_expected,
           sum(coalesce(s.new_f0, 0)) OVER w AS cumulative_f0, sum(coalesce(s.deaths, 0)) OVER w AS cumulative_deaths
    FROM (SELECT district_code, province_code, count(*) AS communes_expected FROM ref.units
          WHERE unit_level = 'commune' GROUP BY ALL) x
    CROSS JOIN dates t
    LEFT JOIN (
        SELECT c.report_date, u.district_code,
               sum(coalesce(c.new_f0, 0)) AS new_f0, sum(coalesce(c.new_f0_from_f1, 0)) AS new_f0_from_f1,
               sum(coalesce(c.active_home, 0)) AS active_home, sum(coalesce(c.active_facility, 0)) AS active_facility,
               sum(coalesce(c.recovered, 0)) AS recovered, sum(coalesce(c.new_severe, 0)) AS new_severe,
               sum(coalesce(c.deaths, 0)) AS deaths, sum(coalesce(c.active_with_antiviral, 0)) AS active_with_antiviral,
               sum(coalesce(c.active_monitored, 0)) AS active_monitored, count(*) AS communes_reporting
        FROM staging.cases c JOIN ref.units u ON u.unit_code = c.commune_code AND u.unit_level = 'commune'
        GROUP BY ALL
    ) s ON s.district_code = x.district_code AND s.report_date = t.report_date
    WINDOW w AS (PARTITION BY x.district_code ORDER BY t.report_date ROWS UNBOUNDED PRECEDING)
),
province AS (
    SELECT report_date, province_code, NULL::VARCHAR, province_code,
           sum(new_f0), sum(new_f0_from_f1), sum(active_home), sum(active_facility), sum(recovered), sum(new_severe),
           sum(deaths), sum(active_with_antiviral), sum(active_monitored), sum(communes_reporting), sum(communes_expected),
           sum(cumulative_f0), sum(cumulative_deaths)
    FROM district GROUP BY ALL
),
all_levels AS (
    SELECT *, 'commune' AS unit_level FROM commune
    UNION ALL SELECT *, 'district' FROM district
    UNION ALL SELECT *, 'province' FROM province
)
SELECT a.report_date, a.unit_code, a.unit_level, a.district_code, a.province_code,
       a.new_f0::BIGINT AS new_f0, a.new_f0_from_f1::BIGINT AS new_f0_from_f1,
       a.active_home::BIGINT AS active_home, a.active_facility::BIGINT AS active_facility,
       a.recovered::BIGINT AS recovered, a.new_severe::BIGINT AS new_severe, a.deaths::BIGINT AS deaths,
       a.active_with_antiviral::BIGINT AS active_with_antiviral, a.active_monitored::BIGINT AS active_monitored,
       p.total_start AS population_total,
       a.communes_reporting::INTEGER AS communes_reporting, a.communes_expected::INTEGER AS communes_expected,
       a.cumulative_f0::BIGINT AS cumulative_f0, a.cumulative_deaths::BIGINT AS cumulative_deaths
FROM all_levels a
LEFT JOIN (SELECT DISTINCT unit_code, total_start FROM marts.population) p ON p.unit_code = a.unit_code
ORDER BY a.report_date, a.unit_level DESC, a.unit_code
