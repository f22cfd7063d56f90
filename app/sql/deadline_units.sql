-- one row per unit (the province first, then each district in scope) for one coverage target, judged on the as-of
-- date clamped to the platform's dates (marts.deadline_status), with the district's standing-committee member and
-- secretary (marts.assignments). deadline_passed and beyond_reach: see marts.deadline_status. A district
-- without a population figure cannot be judged (as in deadline_exceptions.sql) and is left out. status_reason,
-- reached_date, days_late, people_needed (the shortfall now) and people_short_at_deadline: see marts.deadline_status.
WITH d AS (SELECT max(as_of_date) AS d FROM marts.deadline_status WHERE as_of_date <= $as_of)
SELECT s.as_of_date, s.target_id, s.unit_level, s.unit_code, u.unit_name, u.short_name, s.cohort, s.dose,
       s.deadline, s.original_deadline, s.threshold_pct, s.population_version, s.population, s.target_people,
       s.eval_date, s.people_vaccinated, s.achieved_pct, s.status, s.status_reason, s.met_on, s.reached_date,
       s.days_late, s.people_needed, s.people_short_at_deadline,
       s.people_blocked_by_interval, s.last_eligible_prev_date, s.max_achievable_pct, s.people_contraindicated,
       s.people_deferred, s.days_left, s.required_daily_pace, s.trailing_7d_pace, s.projected_date,
       s.projected_date_low, s.projected_date_high,
       s.deadline_passed, s.beyond_reach,
       a.member, a.district_secretary
FROM marts.deadline_status s
JOIN d ON s.as_of_date = d.d
JOIN marts.units u ON u.unit_code = s.unit_code
LEFT JOIN marts.assignments a ON a.district_code = s.unit_code
WHERE s.target_id = $target
  AND ((s.unit_level = 'province'
       AND s.unit_code IN (SELECT province_code FROM marts.units WHERE list_contains($scope, unit_code))) OR (list_contains($scope, s.district_code) AND s.population > 0))
ORDER BY s.unit_level = 'district', s.unit_code
