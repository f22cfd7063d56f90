-- grain: as_of_date × commune (unit_code) × cohort × dose, dense daily from the first dose given to the latest platform
-- date; the commune rows of marts.coverage (read that view).
-- materialized: view
-- The rows of marts.coverage_commune_days (stored by date, with the district, cohort and dose), with the commune's
-- code, its level and its province read off the series key: a filter on the date reads only that date's rows.
SELECT as_of_date, lpad((series // 16 % 100000)::VARCHAR, 5, '0') AS unit_code, 'commune' AS unit_level,
       district_code, lpad((series // 1600000000)::VARCHAR, 2, '0') AS province_code, cohort, dose, doses_given,
       people_vaccinated, population_start, population_current
FROM marts.coverage_commune_days
