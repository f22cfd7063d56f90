-- one row per cohort × dose (doses 1–2, and later doses once given): people with ≥ dose and coverage summed over the
-- districts in scope on the as-of date (clamped to the platform's dates) and 7 days earlier; over 100% is flagged (a
-- data problem: an old denominator, people vaccinated outside the area)
WITH d AS (SELECT max(as_of_date) AS d FROM marts.coverage WHERE as_of_date <= $as_of),
sums AS (
    SELECT c.as_of_date, c.cohort, c.dose, sum(c.people_vaccinated) AS people,
           sum(CASE $population WHEN 'current' THEN c.population_current ELSE c.population_start END) AS population
    FROM marts.coverage c, d
    WHERE c.unit_level = 'district' AND list_contains($scope, c.unit_code) AND c.as_of_date IN (d.d, d.d - 7)
    GROUP BY ALL
)
SELECT cur.cohort, cur.dose, cur.as_of_date, cur.people::BIGINT AS people, cur.population::BIGINT AS population,
       marts.coverage_pct_by_vaccination_date(cur.people, cur.population) AS coverage_pct,
       prev.people::BIGINT AS people_7d_ago,
       marts.coverage_change_7d_pp_by_vaccination_date(cur.people, prev.people, cur.population) AS change_7d_pp,
       marts.people_added_7d_by_vaccination_date(cur.people, prev.people) AS people_added_7d,
       marts.coverage_over_100(cur.people, cur.population) AS over_100
FROM sums cur
JOIN d ON cur.as_of_date = d.d
LEFT JOIN sums prev ON prev.as_of_date = d.d - 7 AND prev.cohort = cur.cohort AND prev.dose = cur.dose
WHERE cur.dose <= 2 OR cur.people > 0
ORDER BY CASE cur.cohort WHEN '18+' THEN 1 WHEN '12-17' THEN 2 ELSE 3 END, cur.dose
