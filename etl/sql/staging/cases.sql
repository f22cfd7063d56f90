-- grain: report_date × commune_code; the latest received file wins for a (date, commune)
SELECT r.* EXCLUDE (source_row)
FROM raw.cases r JOIN staging.files f USING (file_id)
QUALIFY row_number() OVER (PARTITION BY r.report_date, r.commune_code ORDER BY f.received_rank DESC, r.source_row DESC) = 1
