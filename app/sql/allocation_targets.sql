-- one row per coverage target that still needs people in a district of the scope on the as-of date (marts.
-- deadline_status, district rows): the targets that can drive the allocation proposal's need, with the districts
-- short and the people still needed over them; the nearest deadline first (overdue ones first of all).
SELECT s.target_id, t.title, t.source_document, t.cohort, t.dose, t.threshold_pct, t.deadline,
       count(*) FILTER (WHERE s.people_needed > 0) AS districts_short,
       sum(s.people_needed)::BIGINT AS people_needed,
       sum(marts.allocation_need_by_deadline(s.people_needed, s.people_blocked_by_interval))::BIGINT
           AS need_by_deadline
FROM marts.deadline_status s
JOIN marts.targets t USING (target_id)
WHERE s.as_of_date = $as_of AND s.unit_level = 'district' AND list_contains($scope, s.unit_code)
GROUP BY ALL
HAVING sum(s.people_needed) > 0
ORDER BY t.deadline, s.target_id
