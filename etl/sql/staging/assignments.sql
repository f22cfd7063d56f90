-- grain: district_code; only the latest received assignments file counts (it replaces the whole list)
WITH latest AS (
    SELECT arg_max(file_id, received_rank) AS file_id FROM staging.files WHERE source = 'assignments'
)
SELECT r.district_code, r.member, r.member_login, r.district_secretary
FROM raw.assignments r JOIN latest USING (file_id)
QUALIFY row_number() OVER (PARTITION BY r.district_code ORDER BY r.source_row DESC) = 1
