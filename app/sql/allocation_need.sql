-- one row per district in scope × coverage target chosen ($targets) on the as-of date: the people the target still
-- needs there (marts.deadline_status), those of them who can still have the dose by the deadline given the minimum
-- interval (need_by_deadline) and those who may have it today (need_eligible_now), and the urgency weight of the
-- target's deadline. The allocation proposal takes one of the two needs, as the planner chooses.
WITH iv AS (
    SELECT cohort, to_dose, days FROM marts.min_intervals
    WHERE effective_from <= $as_of AND (effective_until IS NULL OR effective_until > $as_of)
)
SELECT s.unit_code AS district, s.target_id, t.title, t.cohort, t.dose, t.deadline, s.status, s.people_needed,
       s.people_blocked_by_interval,
       marts.allocation_need_by_deadline(CASE WHEN t.population_version = 'current'
                                              THEN cur.population_current ELSE cur.population_start END,
                                         cur.people_vaccinated, s.people_blocked_by_interval, s.people_needed)
           AS need_by_deadline,
       marts.allocation_need_eligible_now(t.dose, CASE WHEN t.population_version = 'current'
                                                       THEN cur.population_current ELSE cur.population_start END,
                                          prev.people_vaccinated, cur.people_vaccinated, s.people_needed)
           AS need_eligible_now,
       marts.allocation_urgency(t.deadline, $as_of) AS weight
FROM marts.deadline_status s
JOIN marts.targets t USING (target_id)
LEFT JOIN iv ON iv.cohort = t.cohort AND iv.to_dose = t.dose
LEFT JOIN marts.coverage_district cur
       ON cur.unit_code = s.unit_code AND cur.cohort = t.cohort AND cur.dose = t.dose AND cur.as_of_date = $as_of
LEFT JOIN marts.coverage_district prev
       ON prev.unit_code = s.unit_code AND prev.cohort = t.cohort AND prev.dose = t.dose - 1
      AND prev.as_of_date = $as_of - coalesce(iv.days, 0)::INTEGER
WHERE s.as_of_date = $as_of AND s.unit_level = 'district' AND list_contains($scope, s.unit_code)
  AND list_contains($targets, s.target_id) AND s.people_needed > 0
ORDER BY s.unit_code, t.deadline, s.target_id
