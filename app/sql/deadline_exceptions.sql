-- one row per coverage target × unit in scope (the province, or a district) whose deadline will be missed at the
-- current pace (at_risk) or was missed (missed), judged on the as-of date clamped to the platform's dates
-- (marts.deadline_status); deadlines still ahead first, the nearest first. A unit without a population figure cannot
-- be judged (nothing is "needed" of it): it is a data problem, not a missed deadline, and is left out. A district
-- comes with its standing-committee member and district secretary (marts.assignments). short_title names the
-- target on screen by cohort and dose (app.formatting: "5–11 mũi 2"); its deadline stands beside it. A missed deadline stays listed
-- once reached later (reached_date, days_late; people_needed is the shortfall now, 0 once reached).
WITH d AS (SELECT max(as_of_date) AS d FROM marts.deadline_status WHERE as_of_date <= $as_of)
SELECT s.target_id, t.title, s.unit_level, s.unit_code, u.unit_name, s.cohort, s.dose, s.deadline,
       s.original_deadline, s.threshold_pct, s.achieved_pct, s.people_needed, s.days_left, s.required_daily_pace,
       s.trailing_7d_pace, s.projected_date, s.status, s.as_of_date, s.max_achievable_pct, s.met_on, s.status_reason,
       s.reached_date, s.days_late, s.people_short_at_deadline, a.member,
       a.district_secretary
FROM marts.deadline_status s
JOIN d ON s.as_of_date = d.d
JOIN marts.targets t USING (target_id)
JOIN marts.units u ON u.unit_code = s.unit_code
LEFT JOIN marts.assignments a ON a.district_code = s.unit_code
WHERE s.status IN ('at_risk', 'missed') AND s.population > 0 AND ((s.unit_level = 'province'
       AND s.unit_code IN (SELECT province_code FROM marts.units WHERE list_contains($scope, unit_code))) OR list_contains($scope, s.district_code))
ORDER BY s.status = 'missed', CASE WHEN s.status <> 'missed' THEN s.deadline END,
         CASE WHEN s.status = 'missed' THEN s.deadline END DESC,
         s.unit_level DESC, s.people_needed DESC, s.unit_code
