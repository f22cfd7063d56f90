-- one row: usable (unexpired) doses on hand on the latest ledger date on or before the as-of date, doses projected to
-- expire unused (marts.stock_by_lot: first-expiry-first-out over both levels at the trailing 7-day pace, the sum of
-- the stock page's rows), and the lot that expires first (stores as in stock_lots.sql)
WITH d AS (SELECT max(ledger_date) AS d FROM marts.stock_by_lot WHERE ledger_date <= $as_of),
lots AS (
    SELECT s.*
    FROM marts.stock_by_lot s JOIN d ON s.ledger_date = d.d
    WHERE (s.store_level = 'province' OR list_contains($scope, s.district_code)) AND s.days_to_expiry >= 0
),
first_lot AS (
    SELECT l.product, l.lot, l.expiry_date,
           CASE WHEN l.store_level = 'province' THEN 'Kho tỉnh (CDC)' ELSE u.unit_name END AS store_name FROM lots l
    LEFT JOIN marts.units u ON u.unit_code = l.store_code
    WHERE l.on_hand > 0 ORDER BY l.expiry_date, l.on_hand DESC, l.product, l.lot, l.store_code LIMIT 1
)
SELECT (SELECT d FROM d) AS ledger_date, sum(l.on_hand)::BIGINT AS on_hand,
       sum(l.doses_at_risk)::BIGINT AS doses_at_risk,
       count(DISTINCT (l.product, l.lot)) FILTER (WHERE l.doses_at_risk > 0)::INTEGER AS lots_at_risk,
       any_value(f.product) AS soonest_product, any_value(f.lot) AS soonest_lot,
       any_value(f.expiry_date) AS soonest_expiry, any_value(f.store_name) AS soonest_store
FROM lots l LEFT JOIN first_lot f ON true
HAVING count(*) > 0
