-- one row per unit ($level 'province', 'district', or 'commune' of district $district) in scope, cohort $cohort, dose
-- $dose, on the as-of date clamped to the platform's dates; a province sums its districts in scope (the whole-country
-- snapshot '00'). Coverage against the chosen population and the other one (seed 003 §2); unvaccinated = population −
-- people with ≥ dose (negative when coverage passes 100%: a data problem, flagged); time-bounded drop-out dose → dose + 1
-- (DHIS2 COVAC): people with ≥ dose whose minimum interval (marts.min_intervals, the rule in force on the as-of date)
-- has passed, minus people with ≥ dose + 1, over the former.
WITH d AS (SELECT max(as_of_date) AS d FROM marts.coverage WHERE as_of_date <= $as_of),
gap AS (
    SELECT max(m.days) AS days FROM marts.min_intervals m, d
    WHERE m.cohort = $cohort AND m.from_dose = $dose AND m.effective_from <= d.d
      AND (m.effective_until IS NULL OR m.effective_until > d.d)
),
cov AS (
    SELECT c.as_of_date, CASE WHEN $level = 'province' THEN c.province_code ELSE c.unit_code END AS unit_code, c.dose,
           sum(c.people_vaccinated) AS people_vaccinated, sum(c.population_start) AS population_start,
           sum(c.population_current) AS population_current
    FROM marts.coverage c, d, gap
    WHERE c.unit_level = CASE WHEN $level = 'province' THEN 'district' ELSE $level END AND c.cohort = $cohort
      AND list_contains($scope, c.district_code) AND ($district IS NULL OR c.district_code = $district)
      AND ((c.dose = $dose AND c.as_of_date IN (d.d, d.d - gap.days::INTEGER))
           OR (c.dose = $dose + 1 AND c.as_of_date = d.d))
    GROUP BY ALL
),
units AS (
    SELECT u.unit_code, u.unit_name, u.short_name, u.district_code FROM marts.units u
    WHERE u.unit_level = $level
      AND CASE WHEN $level = 'province'
               THEN u.unit_code IN (SELECT province_code FROM marts.units
                                    WHERE unit_level = 'district' AND list_contains($scope, unit_code))
               ELSE list_contains($scope, u.district_code) AND ($district IS NULL OR u.district_code = $district) END
),
wide AS (
    SELECT u.unit_code, u.unit_name, u.short_name, u.district_code, d.d AS as_of_date, gap.days AS interval_days,
           cur.people_vaccinated AS people,
           CASE $population WHEN 'current' THEN cur.population_current ELSE cur.population_start END AS population,
           CASE $population WHEN 'current' THEN cur.population_start ELSE cur.population_current END
               AS population_other,
           -- before the platform's first date nobody had the dose yet
           CASE WHEN gap.days IS NOT NULL THEN coalesce(due.people_vaccinated, 0) END AS eligible,
           nxt.people_vaccinated AS next_people
    FROM units u CROSS JOIN d CROSS JOIN gap
    LEFT JOIN cov cur ON cur.unit_code = u.unit_code AND cur.dose = $dose AND cur.as_of_date = d.d
    LEFT JOIN cov due ON due.unit_code = u.unit_code AND due.dose = $dose AND due.as_of_date = d.d - gap.days::INTEGER
    LEFT JOIN cov nxt ON nxt.unit_code = u.unit_code AND nxt.dose = $dose + 1
),
metrics AS (
    SELECT *,
           marts.coverage_pct_by_vaccination_date(people, population) AS coverage_pct,
           marts.coverage_pct_by_vaccination_date(people, population_other) AS coverage_pct_other,
           marts.unvaccinated(population, people) AS unvaccinated,
           marts.dropped_out(eligible, next_people) AS dropped,
           marts.dropout_pct_by_vaccination_date(eligible, next_people) AS dropout_pct,
           marts.coverage_over_100(people, population) OR marts.coverage_over_100(people, population_other)
               AS over_100
    FROM wide
)
SELECT unit_code, unit_name, short_name, district_code, as_of_date, interval_days,
       people::BIGINT AS people, population::BIGINT AS population, population_other::BIGINT AS population_other,
       coverage_pct, coverage_pct_other, unvaccinated::BIGINT AS unvaccinated,
       eligible::BIGINT AS eligible, next_people::BIGINT AS next_people, dropped::BIGINT AS dropped, dropout_pct,
       CASE $metric WHEN 'dropout' THEN dropped ELSE people END::BIGINT AS numerator,
       CASE $metric WHEN 'dropout' THEN eligible ELSE population END::BIGINT AS denominator,
       CASE $metric WHEN 'coverage' THEN coverage_pct WHEN 'unvaccinated' THEN unvaccinated ELSE dropout_pct END
           ::DOUBLE AS value,
       over_100, marts.negative_dropout(eligible, next_people) AS negative_dropout
FROM metrics
ORDER BY unit_code
