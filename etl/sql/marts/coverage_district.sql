-- grain: as_of_date × unit_code × cohort × dose for districts and provinces, summed from marts.coverage_commune; the
-- district and province rows of marts.coverage (read that view). Stored by unit, so a unit's whole trend is read at once.
-- The communes' stored rows (marts.coverage_commune_days) are summed by date and district series, which their key holds
-- (series // 1,600,000 is province code × 1,000 + district code, series % 16 the cohort and dose), so the texts of
-- marts.coverage_commune are not made for ≈ 93 M rows; the key is taken in a subquery, so the sums run on plain columns
-- and DuckDB sums the table's date ranges one at a time (it is stored by date), each with a small hash table.
WITH sums AS (
    SELECT as_of_date, district_series, sum(doses_given) AS doses_given, sum(people_vaccinated) AS people_vaccinated
    FROM (SELECT as_of_date, series // 1600000 * 16 + series % 16 AS district_series, doses_given, people_vaccinated
          FROM marts.coverage_commune_days)
    GROUP BY as_of_date, district_series
),
district AS (
    SELECT as_of_date, lpad((district_series // 16 % 1000)::VARCHAR, 3, '0') AS district_code,
           lpad((district_series // 16000)::VARCHAR, 2, '0') AS province_code,
           CASE district_series // 4 % 4 WHEN 0 THEN '18+' WHEN 1 THEN '12-17' ELSE '5-11' END AS cohort,
           (district_series % 4 + 1)::INTEGER AS dose, doses_given, people_vaccinated
    FROM sums
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
