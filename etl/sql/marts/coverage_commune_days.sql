-- grain: as_of_date × series (commune × cohort × dose), dense daily from the first dose given to the latest platform
-- date: the stored rows of marts.coverage_commune (read that view, which adds the commune's code, level and province).
-- Stored by date, so one day's communes are read at once.
-- How: built a calendar month at a time (etl.build runs the query once per chunk of dates, in date order, so the table is
-- stored by date without sorting ≈ 93 M rows at once; each month's window and sort stay in memory). A month's series
-- start from the people vaccinated on the day before it (chunk_carry, read back from the rows already built; on the
-- first month a zero row on the first day for every commune, cohort and dose). The running sum is taken over the days
-- doses were given only, and each of those rows is then spread over the days until the next one (or the month's end),
-- instead of joining a dense grid to the doses. A series is keyed by one integer, series = ((province code × 1,000 +
-- district code) × 100,000 + commune code) × 16 + cohort index × 4 + dose − 1 (cohort index 0 = 18+, 1 = 12-17,
-- 2 = 5-11): the month's rows are sorted by date with numbers only, and the texts the queries filter on (district,
-- cohort) are written after the sort; the commune's code, level and province are not stored (writing those texts for
-- ≈ 93 M rows cost a fifth of the build), marts.coverage_commune reads them off the key.

-- chunks: SELECT greatest(m, d0)::DATE, least(m + INTERVAL 1 MONTH - INTERVAL 1 DAY, d1)::DATE FROM (SELECT min(vaccination_date) AS d0, max(vaccination_date) AS d1 FROM raw.platform_daily) b, LATERAL (SELECT unnest(generate_series(date_trunc('month', d0), d1, INTERVAL 1 MONTH)) AS m) ORDER BY 1
-- chunk carry (series BIGINT, pv BIGINT): SELECT series, people_vaccinated FROM marts.coverage_commune_days WHERE as_of_date = getvariable('chunk_from')::DATE - 1
WITH cohorts AS (
    SELECT * FROM (VALUES (0, '18+'), (1, '12-17'), (2, '5-11')) c(k, cohort)
),
communes AS (
    SELECT unit_code, (province_code::BIGINT * 1000 + district_code::BIGINT) * 100000 + unit_code::BIGINT AS ck
    FROM ref.units
    WHERE unit_level = 'commune'
),
-- o orders a day's rows of a series: the carried row first, then the doses (and the first day's zero row) by count;
-- the window sorts a series' rows by one integer: day of the month × 8 + o × 4 + the count's sign + 1 (a series has
-- one dose row a day, so the sign orders it against the first day's zero row as the count itself would)
events AS (
    SELECT p.vaccination_date AS d, c.ck * 16 + k.k * 4 + (p.dose - 1) AS series, 1 AS o, p.doses_given AS n,
           p.doses_given AS v
    FROM staging.platform_daily p JOIN cohorts k USING (cohort) JOIN communes c ON c.unit_code = p.commune_code
    WHERE p.vaccination_date BETWEEN getvariable('chunk_from')::DATE AND getvariable('chunk_to')::DATE
    UNION ALL
    SELECT getvariable('chunk_from')::DATE, s.series, 1, 0, 0
    FROM (SELECT c.ck * 16 + k.k * 4 + ds.dose AS series
          FROM communes c CROSS JOIN cohorts k CROSS JOIN (VALUES (0), (1), (2), (3)) ds(dose)) s
    ANTI JOIN chunk_carry c USING (series)
    WHERE getvariable('chunk_from') IS NOT NULL
    UNION ALL
    SELECT getvariable('chunk_from')::DATE, series, 0, 0, pv FROM chunk_carry
),
runs AS (
    SELECT d, series, n, sum(v) OVER w AS pv,
           coalesce(lead(d) OVER w, getvariable('chunk_to')::DATE + 1) - d AS span
    FROM events
    WINDOW w AS (PARTITION BY series ORDER BY (d - getvariable('chunk_from')::DATE) * 8 + o * 4 + sign(n)::INTEGER + 1
                 ROWS UNBOUNDED PRECEDING)
),
-- a row followed by one the next day stands for itself (span 1); a row before a gap is spread over it; a row followed
-- by another the same day (span 0) gives way to it
expanded AS (
    SELECT d + i::INTEGER AS as_of_date, series, CASE WHEN i = 0 THEN n ELSE 0 END AS doses_given,
           pv AS people_vaccinated
    FROM (SELECT *, unnest(range(0, span)) AS i FROM runs)
),
-- the populations of a commune and cohort, keyed as series // 4
populations AS (
    SELECT c.ck * 4 + k.k AS commune_cohort, p.population_start, p.population_current
    FROM communes c CROSS JOIN cohorts k
    JOIN marts.population p ON p.unit_code = c.unit_code AND p.cohort = k.cohort
)
SELECT as_of_date, series, lpad((series // 1600000 % 1000)::VARCHAR, 3, '0') AS district_code,
       CASE series // 4 % 4 WHEN 0 THEN '18+' WHEN 1 THEN '12-17' ELSE '5-11' END AS cohort,
       (series % 4 + 1)::INTEGER AS dose, doses_given, people_vaccinated, population_start, population_current
FROM (
    SELECT x.as_of_date, x.series, x.doses_given::BIGINT AS doses_given,
           x.people_vaccinated::BIGINT AS people_vaccinated, p.population_start, p.population_current
    FROM expanded x
    LEFT JOIN populations p ON p.commune_cohort = x.series // 4
    ORDER BY x.as_of_date
)
