-- one row per store × product × lot on the latest ledger date on or before the as-of date: the province's store
-- ($province) and the stores of the districts in scope, expired lots and empty ones included (a district's pace of a
-- product is read from them): the allocation proposal's lots, the districts' own stock and their pace
-- (trailing_7d_avg_administered of marts.stock_by_lot, per store × product).
WITH d AS (SELECT max(ledger_date) AS d FROM marts.stock_by_lot WHERE ledger_date <= $as_of)
SELECT s.ledger_date, s.store_code, s.store_level, s.district_code, s.product, s.lot, s.expiry_date,
       s.days_to_expiry, s.on_hand, s.trailing_7d_avg_administered
FROM marts.stock_by_lot s
JOIN d ON s.ledger_date = d.d
WHERE (s.store_level = 'province' AND s.store_code = $province) OR list_contains($scope, s.district_code)
ORDER BY s.store_level DESC, s.store_code, s.product, s.expiry_date, s.lot
