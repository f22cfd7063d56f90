-- grain: ledger_date × store_code × product, dense daily from the store's first movement of the product to the latest
-- ledger date (summed from marts.stock_by_lot). Date basis: ledger date. Usable doses, their days of stock and the
-- doses projected to expire unused count unexpired lots only; pace: trailing 7-day average (the 7 days ending on the
-- date); wastage: doses discarded ÷ doses used (administered + discarded) from the store's first ledger row to the
-- date (WHO EPI / DHIS2), the doses discarded on or after their lot's expiry date counted apart as expired.
WITH days AS (
    SELECT ledger_date, store_code, any_value(store_level) AS store_level, any_value(district_code) AS district_code,
           product,
           sum(on_hand) FILTER (WHERE days_to_expiry >= 0) AS on_hand,
           count(*) FILTER (WHERE days_to_expiry >= 0 AND on_hand > 0) AS lots_on_hand,
           min(expiry_date) FILTER (WHERE days_to_expiry >= 0 AND on_hand > 0) AS soonest_expiry,
           sum(doses_at_risk) FILTER (WHERE days_to_expiry >= 0) AS doses_at_risk,
           count(*) FILTER (WHERE count_disagrees) AS lots_count_disagrees,
           any_value(trailing_7d_avg_administered) AS trailing_7d_avg_administered,
           any_value(served_7d_avg_administered) AS served_7d_avg_administered,
           any_value(pace_status) AS pace_status,
           sum(administered) AS administered, sum(wasted) AS wasted,
           sum(wasted) FILTER (WHERE days_to_expiry <= 0) AS wasted_expired
    FROM marts.stock_by_lot
    GROUP BY ledger_date, store_code, product
),
totals AS (
    SELECT *,
           sum(administered) OVER w AS administered_to_date,
           sum(wasted) OVER w AS wasted_to_date,
           sum(coalesce(wasted_expired, 0)) OVER w AS wasted_expired_to_date
    FROM days
    WINDOW w AS (PARTITION BY store_code, product ORDER BY ledger_date ROWS UNBOUNDED PRECEDING)
)
SELECT ledger_date, store_code, store_level, district_code, product,
       coalesce(on_hand, 0)::BIGINT AS on_hand, lots_on_hand::INTEGER AS lots_on_hand, soonest_expiry,
       coalesce(doses_at_risk, 0)::BIGINT AS doses_at_risk, lots_count_disagrees::INTEGER AS lots_count_disagrees,
       trailing_7d_avg_administered, served_7d_avg_administered, pace_status,
       marts.days_of_stock(coalesce(on_hand, 0), served_7d_avg_administered) AS days_of_stock,
       administered_to_date::BIGINT AS administered_to_date, wasted_to_date::BIGINT AS wasted_to_date,
       wasted_expired_to_date::BIGINT AS wasted_expired_to_date,
       marts.wastage_rate_pct(wasted_to_date, administered_to_date) AS wastage_rate_pct
FROM totals
ORDER BY ledger_date, store_code, product
