-- grain: vaccination_date × commune_code × cohort × dose (products summed); per vaccination date only the latest
-- file containing that date counts (a platform export is complete for every date it contains)
-- materialized: view
-- A view: only marts.coverage_commune reads the rows (source_freshness their latest date), and a stored copy of the
-- ≈ 93 M national rows cost a minute of the build for nothing.
WITH file_dates AS (
    SELECT DISTINCT vaccination_date, file_id FROM raw.platform_daily
),
winner AS (
    SELECT d.vaccination_date, arg_max(d.file_id, f.received_rank) AS file_id
    FROM file_dates d JOIN staging.files f USING (file_id)
    GROUP BY d.vaccination_date
)
SELECT r.vaccination_date, r.commune_code, r.cohort, r.dose, r.doses AS doses_given
FROM raw.platform_daily r
JOIN winner w ON w.vaccination_date = r.vaccination_date AND w.file_id = r.file_id  -- one winner a date: a join, whose
-- small side (the winners) is the one hashed (as a SEMI JOIN, DuckDB hashed the ≈ 4 M rows of each month)
