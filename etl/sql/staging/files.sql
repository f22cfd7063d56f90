-- grain: one row per accepted file (received order ranks re-sent data: the latest received wins)
SELECT
    file_id, source, file_name, received_at, rows,
    row_number() OVER (PARTITION BY source ORDER BY received_at, file_name) AS received_rank
FROM meta.files
