-- one row per district in scope × report date up to $until: its new F0 that day (marts.cases_daily; a row only where
-- the figure is not 0 or a commune of the district reported), and the file the figure came from: of the rows its
-- communes have that day (staging.cases: the latest received file wins for a date and commune), the file received
-- last (meta.files). app.changes compares two snapshots' rows: a figure that differs is a revision (a resent report).
WITH sent AS (
    SELECT s.report_date, u.district_code, arg_max(s.file_id, f.arrival_seq) AS file_id
    FROM staging.cases s
    JOIN meta.files f USING (file_id)
    JOIN ref.units u ON u.unit_code = s.commune_code
    WHERE list_contains($scope, u.district_code) AND s.report_date <= $until
    GROUP BY ALL
)
SELECT c.report_date AS day, c.unit_code, c.new_f0 AS value, s.file_id, f.file_name, f.received_at
FROM marts.cases_daily c
LEFT JOIN sent s ON s.report_date = c.report_date AND s.district_code = c.unit_code
LEFT JOIN meta.files f ON f.file_id = s.file_id
WHERE c.unit_level = 'district' AND list_contains($scope, c.district_code) AND c.report_date <= $until
  AND (c.new_f0 <> 0 OR s.file_id IS NOT NULL)
ORDER BY day, c.unit_code
