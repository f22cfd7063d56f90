-- grain: as_of_date × unit_code × cohort × dose, dense daily from the first dose given to the latest platform date.
-- Date basis: vaccination date (platform export). people_vaccinated = people with at least `dose` doses = running sum
-- of dose `dose` given. Denominators from marts.population (start of period and currently present); percentages 0–100.
WITH bounds AS (
    SELECT min(vaccination_date) AS d0, max(vaccination_date) AS d1 FROM staging.platform_doses
),
dates AS (
    SELECT unnest(generate_series(d0, d1, INTERVAL 1 DAY))::DATE AS as_of_date FROM bounds
),
daily AS (
    SELECT vaccination_date AS as_of_date, commune_code, cohort, dose, sum(doses_given)::BIGINT AS doses_given
    FROM staging.platform_doses GROUP BY ALL
),
keys AS (
    SELECT u.unit_code AS commune_code, u.district_code, u.province_code, c.cohort, d.dose
    FROM ref.units u
    CROSS JOIN (VALUES ('18+'), ('12-17'), ('5-11')) c(cohort)
    CROSS JOIN (VALUES (1), (2), (3), (4)) d(dose)
    WHERE u.unit_level = 'commune'
),
commune AS (
    SELECT t.as_of_date, k.commune_code AS unit_code, k.district_code, k.province_code, k.cohort, k.dose,
           coalesce(daily.doses_given, 0)::BIGINT AS doses_given,
           sum(coalesce(daily.doses_given, 0)) OVER (
               PARTITION BY k.commune_code, k.cohort, k.dose ORDER BY t.as_of_date ROWS UNBOUNDED PRECEDING
           )::BIGINT AS people_vaccinated
    FROM keys k
    CROSS JOIN dates t
    LEFT JOIN daily ON daily.commune_code = k.commune_code AND daily.cohort = k.cohort
                   AND daily.dose = k.dose AND daily.as_of_date = t.as_of_date
),
district AS (
    SELECT as_of_date, district_code AS unit_code, district_code, province_code, cohort, dose,
           sum(doses_given)::BIGINT AS doses_given, sum(people_vaccinated)::BIGINT AS people_vaccinated
    FROM commune GROUP BY ALL
),
province AS (
    SELECT as_of_date, province_code AS unit_code, NULL::VARCHAR AS district_code, province_code, cohort, dose,
           sum(doses_given)::BIGINT AS doses_given, sum(people_vaccinated)::BIGINT AS people_vaccinated
    FROM district GROUP BY ALL
),
all_levels AS (
    SELECT *, 'province' AS unit_level FROM province
    UNION ALL SELECT *, 'district' FROM district
    UNION ALL SELECT *, 'commune' FROM commune
)
SELECT a.as_of_date, a.unit_code, a.unit_level, a.district_code, a.province_code, a.cohort, a.dose::INTEGER AS dose,
       a.doses_given, a.people_vaccinated,
       p.population_start, p.population_current
FROM all_levels a
LEFT JOIN marts.population p ON p.unit_code = a.unit_code AND p.cohort = a.cohort
ORDER BY a.as_of_date, a.unit_level DESC, a.unit_code, a.cohort, a.dose
