-- one row per district in scope × cohort: the population at the start of the period (dân số đầu kỳ), the weights of
-- the pro-rata split the proposal is compared with
SELECT unit_code AS district, cohort, population_start AS people
FROM marts.population
WHERE unit_level = 'district' AND list_contains($scope, unit_code)
ORDER BY unit_code, cohort
