-- one row per coverage target that still needs people in a district of the scope on the as-of date (marts.
-- deadline_status, district rows): the targets that can drive the allocation proposal's need, with the districts
-- short and the people still needed over them; the nearest deadline first (overdue ones first of all).
SELECT s.target_id, t.title, t.source_document, t.cohort, t.dose, t.threshold_pct, t.deadline,
       count(*) FILTER (WHERE s.people_needed > 0) AS districts_short,
       sum(s.people_needed)::BIGINT AS people_needed,
       sum(marts.allocation_need_by_deadline(CASE WHEN t.population_version = 'current'
                                                  THEN c.population_current ELSE c.population_start END,
                                             c.people_vaccinated, s.people_blocked_by_interval, s.people_needed))::BIGINT
           AS need_by_deadline
FROM marts.deadline_status s
JOIN marts.targets t USING (target_id)
LEFT JOIN marts.coverage_district c
       ON c.unit_code = s.unit_code AND c.cohort = t.cohort AND c.dose = t.dose AND c.as_of_date = $as_of
WHERE s.as_of_date = $as_of AND s.unit_level = 'district' AND list_contains($scope, s.unit_code)
GROUP BY ALL
HAVING sum(s.people_needed) > 0
ORDER BY t.deadline, s.target_id
