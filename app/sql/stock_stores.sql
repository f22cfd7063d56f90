-- one row per store × product with usable doses, or with a pace, on the latest ledger date on or before the as-of
-- date (marts.stock_by_store): the province's store and the stores of the districts in scope, the province's store
-- first; usable doses, the pace they serve (trailing 7 days; NULL and pace_status 'no_history' for a store without
-- history), days of stock, doses projected to expire unused and the wastage rate from the store's first ledger row
WITH d AS (SELECT max(ledger_date) AS d FROM marts.stock_by_store WHERE ledger_date <= $as_of)
SELECT s.ledger_date, s.store_code, s.store_level,
       CASE WHEN s.store_level = 'province' THEN 'Kho tỉnh (CDC)' ELSE u.unit_name END AS store_name,
       s.product, s.on_hand, s.lots_on_hand, s.soonest_expiry, s.served_7d_avg_administered, s.pace_status,
       s.days_of_stock, s.doses_at_risk, s.lots_count_disagrees, s.administered_to_date, s.wasted_to_date,
       s.wasted_expired_to_date, s.wastage_rate_pct
FROM marts.stock_by_store s
JOIN d ON s.ledger_date = d.d
LEFT JOIN marts.units u ON u.unit_code = s.store_code
WHERE (s.store_level = 'province' OR list_contains($scope, s.district_code))
  AND (s.on_hand > 0 OR s.served_7d_avg_administered > 0)
ORDER BY s.store_level DESC, s.store_code, s.product
