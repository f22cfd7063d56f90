-- one row per store × product × lot with usable doses on the latest ledger date on or before the as-of date: the
-- province's store and the stores of the districts in scope; doses_at_risk from marts.stock_by_lot (first-expiry-
-- first-out over both levels at the trailing 7-day pace), the count and the running balance side by side; within a
-- lot, the store with the most doses at risk first
WITH d AS (SELECT max(ledger_date) AS d FROM marts.stock_by_lot WHERE ledger_date <= $as_of)
SELECT s.ledger_date, s.store_code,
       CASE WHEN s.store_level = 'province' THEN 'Kho tỉnh (CDC)' ELSE u.unit_name END AS store_name,
       s.product, s.lot, s.expiry_date, s.days_to_expiry,
       s.on_hand,
       s.closing_balance, s.counted_on_hand, s.count_disagrees, s.served_7d_avg_administered, s.pace_status,
       s.days_of_stock, s.doses_at_risk
FROM marts.stock_by_lot s
JOIN d ON s.ledger_date = d.d
LEFT JOIN marts.units u ON u.unit_code = s.store_code
WHERE (s.store_level = 'province' OR list_contains($scope, s.district_code))
  AND s.days_to_expiry >= 0 AND s.on_hand > 0
  AND ($only_at_risk = false OR s.doses_at_risk > 0)
ORDER BY s.expiry_date, s.product, s.lot, s.doses_at_risk DESC, s.store_code
