-- grain: ledger_date × store_code × product × lot; the latest received file wins
SELECT r.* EXCLUDE (source_row)
FROM raw.stock r JOIN staging.files f USING (file_id)
QUALIFY row_number() OVER (PARTITION BY r.ledger_date, r.store_code, r.product, r.lot
                           ORDER BY f.received_rank DESC, r.source_row DESC) = 1
