-- grain: as_of_date × commune (unit_code) × cohort × dose, dense daily from the first dose given to the latest platform
-- date; the commune rows of marts.coverage (read that view). Stored by date, so one day's communes are read at once.
-- How: built a calendar month at a time (etl.build runs the query once per chunk of dates, in date order, so the table is
-- stored by date without sorting ≈ 93 M rows at once; each month's window and sort stay in memory). A month's series
-- start from the people vaccinated on the day before it (chunk_carry, read back from the rows already built; on the
-- first month a zero row on the first day for every commune, cohort and dose). The running sum is taken over the days
-- doses were given only, and each of those rows is then spread over the days until the next one (or the month's end),
-- instead of joining a dense grid to the doses. The series are keyed by one integer (commune code × 16 + cohort × 4 +
-- dose − 1); names and populations are joined by that key, then a month's rows are sorted by date.

-- chunks: SELECT greatest(m, d0)::DATE, least(m + INTERVAL 1 MONTH - INTERVAL 1 DAY, d1)::DATE FROM (SELECT min(vaccination_date) AS d0, max(vaccination_date) AS d1 FROM raw.platform_daily) b, LATERAL (SELECT unnest(generate_series(date_trunc('month', d0), d1, INTERVAL 1 MONTH)) AS m) ORDER BY 1
-- chunk carry (series INTEGER, pv BIGINT): SELECT unit_code::INTEGER * 16 + (CASE cohort WHEN '18+' THEN 0 WHEN '12-17' THEN 1 ELSE 2 END) * 4 + dose - 1, people_vaccinated FROM marts.coverage_commune WHERE as_of_date = getvariable('chunk_from')::DATE - 1
WITH cohorts AS (
    SELECT * FROM (VALUES (0, '18+'), (1, '12-17'), (2, '5-11')) c(k, cohort)
),
series AS (
    SELECT (u.unit_code::INTEGER * 16 + k.k * 4 + ds.dose)::INTEGER AS series, u.unit_code, u.district_code,
           u.province_code, k.cohort, (ds.dose + 1)::INTEGER AS dose, p.population_start, p.population_current
    FROM ref.units u
    CROSS JOIN cohorts k
    CROSS JOIN (VALUES (0), (1), (2), (3)) ds(dose)
    LEFT JOIN marts.population p ON p.unit_code = u.unit_code AND p.cohort = k.cohort
    WHERE u.unit_level = 'commune'
),
-- o orders a day's rows of a series: the carried row first, then the doses (and the first day's zero row) by count
events AS (
    SELECT p.vaccination_date AS d, (p.commune_code::INTEGER * 16 + k.k * 4 + (p.dose - 1))::INTEGER AS series,
           1 AS o, p.doses_given AS n, p.doses_given AS v
    FROM staging.platform_daily p JOIN cohorts k USING (cohort)
    WHERE p.vaccination_date BETWEEN getvariable('chunk_from')::DATE AND getvariable('chunk_to')::DATE
    UNION ALL
    SELECT getvariable('chunk_from')::DATE, s.series, 1, 0, 0
    FROM series s ANTI JOIN chunk_carry c USING (series)
    WHERE getvariable('chunk_from') IS NOT NULL
    UNION ALL
    SELECT getvariable('chunk_from')::DATE, series, 0, 0, pv FROM chunk_carry
),
runs AS (
    SELECT d, series, n, sum(v) OVER w AS pv,
           coalesce(lead(d) OVER w, getvariable('chunk_to')::DATE + 1) - d AS span
    FROM events
    WINDOW w AS (PARTITION BY series ORDER BY d, o, n ROWS UNBOUNDED PRECEDING)
),
-- a row followed by one the next day stands for itself (span 1); a row before a gap is spread over it; a row followed
-- by another the same day (span 0) gives way to it
expanded AS (
    SELECT d + i::INTEGER AS as_of_date, series, CASE WHEN i = 0 THEN n ELSE 0 END AS doses_given,
           pv AS people_vaccinated
    FROM (SELECT *, unnest(range(0, span)) AS i FROM runs)
)
SELECT x.as_of_date, s.unit_code, 'commune' AS unit_level, s.district_code, s.province_code, s.cohort, s.dose,
       x.doses_given::BIGINT AS doses_given, x.people_vaccinated::BIGINT AS people_vaccinated, s.population_start,
       s.population_current
FROM expanded x
JOIN series s ON s.series = x.series
ORDER BY x.as_of_date
