-- grain: as_of_date × unit_code × cohort × dose, dense daily from the first dose given to the latest platform date.
-- materialized: view
-- Date basis: vaccination date (platform export). people_vaccinated = people with at least `dose` doses = running sum
-- of dose `dose` given. Denominators from marts.population (population_start = dân số đầu kỳ, population_current =
-- dân số hiện có); coverage % = people_vaccinated ÷ population × 100. A view over the province and district rows
-- (marts.coverage_district) and the commune rows (marts.coverage_commune), each stored in the order its queries need.
SELECT * FROM marts.coverage_district
UNION ALL
SELECT * FROM marts.coverage_commune
