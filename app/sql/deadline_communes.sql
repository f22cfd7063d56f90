-- one row per commune of one district in scope (every commune in scope when $district is NULL: the commune map), on the latest platform date on or before the as-of date, for one
-- coverage target's cohort, dose and population version: people still needed = ceil(threshold × population ÷ 100)
-- − people vaccinated, never below 0; the most needed first. A commune without a population figure has no need
-- computed (NULL) and comes last.
WITH d AS (SELECT max(as_of_date) AS d FROM marts.coverage_commune WHERE as_of_date <= $as_of),
t AS (SELECT * FROM marts.targets WHERE target_id = $target),
c AS (
    SELECT c.as_of_date, c.unit_code, u.unit_name, c.people_vaccinated, t.threshold_pct,
           CASE t.population_version WHEN 'current' THEN c.population_current ELSE c.population_start END AS population
    FROM marts.coverage_commune c
    JOIN d ON c.as_of_date = d.d
    JOIN t ON c.cohort = t.cohort AND c.dose = t.dose
    JOIN marts.units u ON u.unit_code = c.unit_code
    WHERE ($district IS NULL OR c.district_code = $district) AND list_contains($scope, c.district_code)
)
SELECT as_of_date, unit_code, unit_name, people_vaccinated, population,
       marts.coverage_pct_by_vaccination_date(people_vaccinated, population) AS achieved_pct,
       marts.target_people(threshold_pct, population) AS target_people,
       marts.people_needed(threshold_pct, population, people_vaccinated) AS people_needed
FROM c
ORDER BY people_needed DESC NULLS LAST, unit_code
