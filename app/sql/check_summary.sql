-- one row per data check: rows flagged for the districts in scope (province-level rows count for everyone)
SELECT s.check_id, s.severity, s.title,
       count(r.check_id) FILTER (WHERE r.district_code IS NULL OR list_contains($scope, r.district_code))::BIGINT
           AS rows_flagged,
       CASE s.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END AS severity_rank
FROM checks.summary s
LEFT JOIN checks.results r USING (check_id)
GROUP BY ALL
ORDER BY severity_rank, s.check_id
