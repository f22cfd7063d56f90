-- grain: report_date × commune_code; each district's report for a date is the latest file received for (district, report date)
WITH winner AS (
    SELECT r.district_code, r.report_date, arg_max(r.file_id, f.received_rank) AS file_id
    FROM (SELECT DISTINCT district_code, report_date, file_id FROM raw.district_reports) r
    JOIN staging.files f USING (file_id)
    GROUP BY ALL
)
SELECT r.* EXCLUDE (source_row)
FROM raw.district_reports r
JOIN winner w USING (district_code, report_date, file_id)
QUALIFY row_number() OVER (PARTITION BY r.report_date, r.commune_code ORDER BY r.source_row DESC) = 1
