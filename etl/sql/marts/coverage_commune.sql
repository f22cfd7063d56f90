-- grain: as_of_date × commune (unit_code) × cohort × dose, dense daily from the first dose given to the latest platform
-- date; the commune rows of marts.coverage (read that view). Stored by date, so one day's communes are read at once.
-- How: the running sum is taken over the days doses were given only (plus a zero row on the first day for every
-- commune, cohort and dose), and each of those rows is then spread over the days until the next one. This avoids
-- joining a dense grid to the doses, which at national scale (≈ 93 M rows) costs more than everything else.
-- The series are keyed by one integer (commune code × 16 + cohort × 4 + dose − 1) until the rows are in date order:
-- the window and the sort by date then move two narrow numbers a row, and names are joined to the sorted rows.
WITH bounds AS (
    SELECT min(vaccination_date) AS d0, max(vaccination_date) AS d1 FROM staging.platform_daily
),
communes AS (
    SELECT unit_code, unit_code::INTEGER AS ck, district_code, province_code FROM ref.units WHERE unit_level = 'commune'
),
cohorts AS (
    SELECT * FROM (VALUES (0, '18+'), (1, '12-17'), (2, '5-11')) c(k, cohort)
),
events AS (
    SELECT p.vaccination_date AS d, p.commune_code::INTEGER * 16 + k.k * 4 + (p.dose - 1) AS series, p.doses_given AS n
    FROM staging.platform_daily p JOIN cohorts k USING (cohort)
    UNION ALL
    SELECT b.d0, c.ck * 16 + k.k * 4 + ds.dose, 0
    FROM communes c
    CROSS JOIN cohorts k
    CROSS JOIN (VALUES (0), (1), (2), (3)) ds(dose)
    CROSS JOIN bounds b
),
runs AS (
    SELECT d, series, n,
           sum(n) OVER w AS pv,
           coalesce(lead(d) OVER w, (SELECT d1 FROM bounds) + 1) AS next_d
    FROM events
    WINDOW w AS (PARTITION BY series ORDER BY d, n ROWS UNBOUNDED PRECEDING)
),
expanded AS (
    -- a row followed by one the next day stands for itself; only rows before a gap are spread over it
    SELECT d AS as_of_date, series, n AS doses_given, pv AS people_vaccinated FROM runs WHERE next_d = d + 1
    UNION ALL
    SELECT d + i::INTEGER, series, CASE WHEN i = 0 THEN n ELSE 0 END, pv
    FROM (SELECT *, unnest(range(0, next_d - d)) AS i FROM runs WHERE next_d > d + 1)
),
by_date AS (
    SELECT * FROM expanded ORDER BY as_of_date
)
SELECT x.as_of_date, c.unit_code, 'commune' AS unit_level, c.district_code, c.province_code, k.cohort,
       (x.series % 4 + 1)::INTEGER AS dose, x.doses_given::BIGINT AS doses_given,
       x.people_vaccinated::BIGINT AS people_vaccinated, p.population_start, p.population_current
FROM by_date x
JOIN communes c ON c.ck = x.series // 16
JOIN cohorts k ON k.k = (x.series // 4) % 4
LEFT JOIN marts.population p ON p.unit_code = c.unit_code AND p.cohort = k.cohort
