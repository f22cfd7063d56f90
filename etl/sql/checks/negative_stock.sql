-- severity: error
-- title: Tồn kho vắc xin âm
SELECT s.store_code AS unit_code, s.ledger_date AS ref_date,
       s.product || ' lô ' || s.lot || ': tồn ' || vn_int(s.on_hand) AS detail
FROM staging.stock s
WHERE s.on_hand < 0
