-- grain: as_of_date × unit_code × cohort × dose for districts and provinces, summed from marts.coverage_commune; the
-- district and province rows of marts.coverage (read that view). Stored by unit, so a unit's whole trend is read at once.
WITH district AS (
    SELECT as_of_date, district_code, province_code, cohort, dose,
           sum(doses_given) AS doses_given, sum(people_vaccinated) AS people_vaccinated
    FROM marts.coverage_commune
    GROUP BY ALL
),
levels AS (
    SELECT as_of_date, district_code AS unit_code, 'district' AS unit_level, district_code, province_code, cohort, dose,
           doses_given, people_vaccinated
    FROM district
    UNION ALL
    SELECT as_of_date, province_code, 'province', NULL, province_code, cohort, dose, sum(doses_given), sum(people_vaccinated)
    FROM district GROUP BY ALL
)
SELECT l.as_of_date, l.unit_code, l.unit_level, l.district_code, l.province_code, l.cohort, l.dose,
       l.doses_given::BIGINT AS doses_given, l.people_vaccinated::BIGINT AS people_vaccinated,
       p.population_start, p.population_current
FROM levels l
LEFT JOIN marts.population p ON p.unit_code = l.unit_code AND p.cohort = l.cohort
ORDER BY l.unit_level DESC, l.unit_code, l.cohort, l.dose, l.as_of_date
