-- one row per target × unit in scope whose deadline will be or was missed, judged on the latest data
-- (marts.deadline_status, when it exists: grain target_id × unit_code, status met / on_track / at_risk / missed,
-- projected_pct = coverage expected on the deadline at the current pace)
SELECT target_id, title, unit_code, unit_name, deadline, threshold_pct, current_pct, projected_pct, status
FROM marts.deadline_status
WHERE status IN ('at_risk', 'missed') AND (unit_level = 'province' OR list_contains($scope, district_code))
ORDER BY deadline, status DESC, unit_code
