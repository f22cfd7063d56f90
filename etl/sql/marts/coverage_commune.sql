-- grain: as_of_date × commune (unit_code) × cohort × dose, dense daily from the first dose given to the latest platform
-- date; the commune rows of marts.coverage (read that view). Stored by date, so one day's communes are read at once.
-- How: the running sum is taken over the days doses were given only (plus a zero row on the first day for every
-- commune, cohort and dose), and each of those rows is then spread over the days until the next one. This avoids
-- joining a dense grid to the doses, which at national scale (≈ 93 M rows) costs more than everything else.
WITH bounds AS (
    SELECT min(vaccination_date) AS d0, max(vaccination_date) AS d1 FROM staging.platform_daily
),
communes AS (
    SELECT unit_code, unit_code::INTEGER AS ck, district_code, province_code FROM ref.units WHERE unit_level = 'commune'
),
events AS (
    SELECT p.vaccination_date AS d, p.commune_code::INTEGER AS ck, p.cohort, p.dose::UTINYINT AS dose, p.doses_given AS n
    FROM staging.platform_daily p
    UNION ALL
    SELECT b.d0, c.ck, k.cohort, ds.dose::UTINYINT, 0
    FROM communes c
    CROSS JOIN (VALUES ('18+'), ('12-17'), ('5-11')) k(cohort)
    CROSS JOIN (VALUES (1), (2), (3), (4)) ds(dose)
    CROSS JOIN bounds b
),
runs AS (
    SELECT d, ck, cohort, dose, n,
           sum(n) OVER w AS pv,
           coalesce(lead(d) OVER w, (SELECT d1 FROM bounds) + 1) AS next_d
    FROM events
    WINDOW w AS (PARTITION BY ck, cohort, dose ORDER BY d, n ROWS UNBOUNDED PRECEDING)
),
expanded AS (
    -- a row followed by one the next day stands for itself; only rows before a gap are spread over it
    SELECT d AS as_of_date, ck, cohort, dose, n AS doses_given, pv AS people_vaccinated FROM runs WHERE next_d = d + 1
    UNION ALL
    SELECT d + i::INTEGER, ck, cohort, dose, CASE WHEN i = 0 THEN n ELSE 0 END, pv
    FROM (SELECT *, unnest(range(0, next_d - d)) AS i FROM runs WHERE next_d > d + 1)
)
SELECT x.as_of_date, c.unit_code, 'commune' AS unit_level, c.district_code, c.province_code, x.cohort,
       x.dose::INTEGER AS dose, x.doses_given::BIGINT AS doses_given, x.people_vaccinated::BIGINT AS people_vaccinated,
       p.population_start, p.population_current
FROM expanded x
JOIN communes c USING (ck)
LEFT JOIN marts.population p ON p.unit_code = c.unit_code AND p.cohort = x.cohort
ORDER BY x.as_of_date
