-- grain: checked_at × commune_code; the latest received file wins
SELECT r.* EXCLUDE (source_row)
FROM raw.duty_checks r JOIN staging.files f USING (file_id)
QUALIFY row_number() OVER (PARTITION BY r.checked_at, r.commune_code ORDER BY f.received_rank DESC, r.source_row DESC) = 1
