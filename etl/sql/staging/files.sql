-- grain: one row per accepted file (arrival order ranks re-sent data: the file the archive received last wins)
SELECT
    file_id, source, file_name, received_at, arrival_seq, rows,
    row_number() OVER (PARTITION BY source ORDER BY arrival_seq) AS received_rank
FROM meta.files
