-- one row per product held or used on the latest ledger date on or before the as-of date (marts.stock_by_store),
-- over the province's store and the stores of the districts in scope: usable (unexpired) doses, those at the
-- province's store, the soonest expiry among them, doses projected to expire unused (first-expiry-first-out over both
-- levels at the trailing 7-day pace), the districts' trailing 7-day pace (NULL when no district in scope has ever
-- administered the product), days of stock of the province's store and of the districts' stores, and the doses
-- administered and discarded from the first ledger row with the wastage rate (discarded ÷ used)
WITH d AS (SELECT max(ledger_date) AS d FROM marts.stock_by_store WHERE ledger_date <= $as_of),
s AS (
    SELECT s.*
    FROM marts.stock_by_store s JOIN d ON s.ledger_date = d.d
    WHERE s.store_level = 'province' OR list_contains($scope, s.district_code)
)
SELECT product, max(ledger_date) AS ledger_date, sum(on_hand)::BIGINT AS on_hand,
       coalesce(sum(on_hand) FILTER (WHERE store_level = 'province'), 0)::BIGINT AS on_hand_province,
       min(soonest_expiry) AS soonest_expiry, sum(doses_at_risk)::BIGINT AS doses_at_risk,
       sum(served_7d_avg_administered) FILTER (WHERE store_level = 'district') AS districts_7d_avg_administered,
       marts.stock_pace_status(bool_or(pace_status <> 'no_history') FILTER (WHERE store_level = 'district'),
                               sum(served_7d_avg_administered) FILTER (WHERE store_level = 'district'))
           AS districts_pace_status,
       any_value(days_of_stock) FILTER (WHERE store_level = 'province') AS province_days_of_stock,
       marts.days_of_stock(sum(on_hand) FILTER (WHERE store_level = 'district'),
                           sum(served_7d_avg_administered) FILTER (WHERE store_level = 'district'))
           AS districts_days_of_stock,
       sum(administered_to_date)::BIGINT AS administered_to_date, sum(wasted_to_date)::BIGINT AS wasted_to_date,
       sum(wasted_expired_to_date)::BIGINT AS wasted_expired_to_date,
       marts.wastage_rate_pct(sum(wasted_to_date), sum(administered_to_date)) AS wastage_rate_pct
FROM s
GROUP BY product
HAVING sum(on_hand) > 0 OR sum(administered_to_date) > 0 OR sum(wasted_to_date) > 0
ORDER BY soonest_expiry NULLS LAST, product
