-- grain: ledger_date × store_code × product × lot, dense daily from the lot's first movement at the store to the
-- latest ledger date. Date basis: ledger date. closing_balance = opening + received − (issued + administered + wasted)
-- (DHIS2 COVIDVAC); counted_on_hand = the last count reported, carried forward; days_of_stock = usable doses on hand ÷
-- trailing 7-day average doses administered of the product at the store (WHO); doses_at_risk = doses of the lot not used
-- before expiry at that pace, lots expiring first used first (OpenLMIS stock sufficiency, adapted).
WITH bounds AS (SELECT max(ledger_date) AS d1 FROM staging.stock),
lots AS (
    SELECT store_code, product, lot, min(ledger_date) AS first_date, max(expiry_date) AS expiry_date
    FROM staging.stock GROUP BY ALL
),
dense AS (
    SELECT l.store_code, l.product, l.lot, l.expiry_date,
           unnest(generate_series(l.first_date, b.d1, INTERVAL 1 DAY))::DATE AS ledger_date
    FROM lots l CROSS JOIN bounds b
),
moves AS (
    SELECT d.ledger_date, d.store_code, d.product, d.lot, d.expiry_date,
           coalesce(s.received, 0) AS received, coalesce(s.issued, 0) AS issued,
           coalesce(s.administered, 0) AS administered, coalesce(s.wasted, 0) AS wasted, s.on_hand AS counted_today
    FROM dense d
    LEFT JOIN staging.stock s USING (ledger_date, store_code, product, lot)
),
balances AS (
    SELECT *,
           sum(received - issued - administered - wasted) OVER w AS closing_balance,
           last_value(counted_today IGNORE NULLS) OVER w AS counted_on_hand
    FROM moves
    WINDOW w AS (PARTITION BY store_code, product, lot ORDER BY ledger_date ROWS UNBOUNDED PRECEDING)
),
daily_use AS (
    SELECT ledger_date, store_code, product, sum(administered) AS administered FROM moves GROUP BY ALL
),
pace AS (
    SELECT ledger_date, store_code, product,
           sum(administered) OVER (PARTITION BY store_code, product ORDER BY ledger_date
                                   ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) / 7.0 AS trailing_7d_avg_administered
    FROM daily_use
),
usable AS (
    SELECT b.*, p.trailing_7d_avg_administered,
           marts.stock_on_hand(b.counted_on_hand, b.closing_balance) AS usable_on_hand,
           (b.expiry_date - b.ledger_date) AS days_to_expiry
    FROM balances b JOIN pace p USING (ledger_date, store_code, product)
),
fefo AS (
    SELECT *,
           coalesce(sum(CASE WHEN days_to_expiry >= 0 THEN usable_on_hand ELSE 0 END) OVER (
               PARTITION BY ledger_date, store_code, product ORDER BY expiry_date, lot
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS on_hand_expiring_earlier
    FROM usable
)
SELECT f.ledger_date, f.store_code, u.unit_level AS store_level, u.district_code, f.product, f.lot, f.expiry_date,
       f.received::BIGINT AS received, f.issued::BIGINT AS issued, f.administered::BIGINT AS administered,
       f.wasted::BIGINT AS wasted, f.closing_balance::BIGINT AS closing_balance,
       f.counted_on_hand::BIGINT AS counted_on_hand, f.usable_on_hand::BIGINT AS on_hand,
       marts.stock_discrepancy_pct(f.closing_balance, f.counted_on_hand) AS discrepancy_pct,
       f.days_to_expiry::INTEGER AS days_to_expiry,
       round(f.trailing_7d_avg_administered, 2) AS trailing_7d_avg_administered,
       marts.days_of_stock(f.usable_on_hand, f.trailing_7d_avg_administered) AS days_of_stock,
       CASE WHEN f.days_to_expiry < 0 THEN f.usable_on_hand
            ELSE greatest(0, f.usable_on_hand - greatest(0, f.trailing_7d_avg_administered * f.days_to_expiry
                                                             - f.on_hand_expiring_earlier))
       END::BIGINT AS doses_at_risk
FROM fefo f
LEFT JOIN ref.units u ON u.unit_code = f.store_code
ORDER BY f.ledger_date, f.store_code, f.product, f.expiry_date, f.lot
