-- one row per district × product × lot: the doses the district stores in scope received (Nhập, marts.stock_by_lot)
-- on ledger dates after $after (an allocation decision's as-of date) up to $as_of, of the lots in $lots (the
-- decision's), with the first and last day of a receipt; a district that received nothing of a lot has no row
SELECT s.district_code AS district, u.unit_name AS district_name, s.product, s.lot,
       sum(s.received) AS received_doses,
       min(s.ledger_date) FILTER (WHERE s.received > 0) AS first_received,
       max(s.ledger_date) FILTER (WHERE s.received > 0) AS last_received
FROM marts.stock_by_lot s
LEFT JOIN marts.units u ON u.unit_code = s.district_code
WHERE s.store_level = 'district' AND list_contains($scope, s.district_code) AND list_contains($lots, s.lot)
  AND s.ledger_date > $after AND s.ledger_date <= $as_of
GROUP BY ALL
HAVING sum(s.received) > 0
ORDER BY s.district_code, s.product, s.lot
