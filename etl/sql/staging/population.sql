-- grain: commune_code × version ('start' = dân số đầu kỳ, 'current' = dân số hiện có); the latest received file wins
SELECT r.commune_code, r.version, r.pop_total, r.pop_18, r.pop_12_17, r.pop_5_11, r.source AS population_source,
       r.file_id
FROM raw.population r JOIN staging.files f USING (file_id)
QUALIFY row_number() OVER (PARTITION BY r.commune_code, r.version ORDER BY f.received_rank DESC, r.source_row DESC) = 1
