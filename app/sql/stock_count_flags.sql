-- one row per ledger row on or before the as-of date whose count on hand (Tồn) is negative or differs from the
-- running balance (marts.stock_count_flags), at the province's store and the stores of the districts in scope, the
-- latest first: both figures, and which data check flags it
SELECT f.ledger_date, f.store_code,
       CASE WHEN f.store_level = 'province' THEN 'Kho tỉnh (CDC)' ELSE u.unit_name END AS store_name,
       f.product, f.lot, f.expiry_date, f.counted, f.closing_balance, f.count_minus_balance, f.negative
FROM marts.stock_count_flags f
LEFT JOIN marts.units u ON u.unit_code = f.store_code
WHERE f.ledger_date <= $as_of AND (f.store_level = 'province' OR list_contains($scope, f.district_code))
ORDER BY f.ledger_date DESC, f.store_code, f.product, f.lot
