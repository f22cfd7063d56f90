-- severity: error
-- title: Tồn kho vắc xin âm
-- A count on hand (Tồn) below zero cannot be true: the stock page uses the running balance instead and shows both.
SELECT f.store_code AS unit_code, f.ledger_date AS ref_date,
       f.product || ' lô ' || f.lot || ': tồn ' || vn_int(f.counted) || ', số dư sổ sách ' || vn_int(f.closing_balance)
       AS detail
FROM marts.stock_count_flags f
WHERE f.negative
