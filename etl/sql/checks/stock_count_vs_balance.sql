-- severity: warning
-- title: Tồn kho ghi trong sổ vắc xin khác số dư sổ sách (đầu kỳ + nhập − xuất − đã tiêm − hủy)
-- A ledger row whose count on hand (Tồn) is not negative but differs from the lot's running balance at the store
-- (a negative count is the error negative_stock). The stock page uses the count and shows both.
SELECT f.store_code AS unit_code, f.ledger_date AS ref_date,
       f.product || ' lô ' || f.lot || ': tồn ' || vn_int(f.counted) || ', số dư sổ sách ' || vn_int(f.closing_balance)
       || ' (lệch ' || vn_int(f.count_minus_balance) || ')' AS detail
FROM marts.stock_count_flags f
WHERE NOT f.negative
