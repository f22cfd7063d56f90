-- one row per district in scope × vaccination date up to $until × cohort × dose with doses given that day
-- (marts.coverage_district; none given: no row), and the platform export the figures came from: per vaccination date,
-- the file received last among those that contain the date (the one marts.coverage counts; meta.files). app.changes
-- compares two snapshots' rows: a figure that differs is a revision (a resent export).
WITH winner AS (
    SELECT r.vaccination_date, arg_max(r.file_id, f.arrival_seq) AS file_id
    FROM (SELECT DISTINCT vaccination_date, file_id FROM raw.platform_daily WHERE vaccination_date <= $until) r
    JOIN meta.files f USING (file_id)
    GROUP BY r.vaccination_date
)
SELECT c.as_of_date AS day, c.unit_code, c.cohort, c.dose, c.doses_given AS value, w.file_id, f.file_name,
       f.received_at
FROM marts.coverage_district c
LEFT JOIN winner w ON w.vaccination_date = c.as_of_date
LEFT JOIN meta.files f ON f.file_id = w.file_id
WHERE c.unit_level = 'district' AND list_contains($scope, c.district_code) AND c.as_of_date <= $until
  AND c.doses_given <> 0
ORDER BY day, c.unit_code, CASE c.cohort WHEN '18+' THEN 1 WHEN '12-17' THEN 2 ELSE 3 END, c.dose
