-- one row per product: usable (unexpired) doses on hand on the latest ledger date on or before the as-of date, the
-- soonest expiry among them, doses at risk of expiring unused; stores as in stock_lots.sql
WITH d AS (SELECT max(ledger_date) AS d FROM marts.stock_by_lot WHERE ledger_date <= $as_of),
lots AS (
    SELECT s.*
    FROM marts.stock_by_lot s JOIN d ON s.ledger_date = d.d
    WHERE (s.store_level = 'province' OR list_contains($scope, s.district_code)) AND s.days_to_expiry >= 0
)
SELECT product, max(ledger_date) AS ledger_date, sum(on_hand)::BIGINT AS on_hand,
       min(expiry_date) FILTER (WHERE on_hand > 0) AS soonest_expiry,
       sum(doses_at_risk)::BIGINT AS doses_at_risk,
       sum(trailing_7d_avg_administered) AS avg7_administered
FROM lots
GROUP BY product
HAVING sum(on_hand) > 0
ORDER BY soonest_expiry, product
