-- grain: ledger_date × store_code × product × lot, dense daily from the lot's first movement at the store to the
-- latest ledger date. Date basis: ledger date. closing_balance = opening + received − (issued + administered + wasted)
-- (DHIS2 COVIDVAC), the running balance; counted_on_hand = the last count reported (Tồn), carried forward; on_hand =
-- the count where it is not negative, else the running balance (macro marts.stock_on_hand).
-- Pace: the trailing 7-day average of doses administered (the 7 days ending on the date, INDICATORS.md), one window
-- for days of stock and for expiry risk. A district store's lots serve its own pace; the province store administers
-- nothing and its lots serve the districts of the province.
-- Expiry risk over both levels, first-expiry-first-out (OpenLMIS stock sufficiency, adapted): each district uses its
-- own stock first at its pace, lots expiring first used first (macro marts.fefo_used_cum); the province store's lots
-- are used, first-expiry-first-out, against what the districts can still administer before each lot's expiry after
-- their own stock (macro marts.stock_free_capacity, summed over the districts): no district dose is counted twice.
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
                                   ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) / 7.0 AS trailing_7d_avg_administered,
           sum(administered) OVER (PARTITION BY store_code, product ORDER BY ledger_date
                                   ROWS UNBOUNDED PRECEDING) > 0 AS has_history
    FROM daily_use
),
-- what the province store's lots serve: the pace of every district store of the province
districts_pace AS (
    SELECT p.ledger_date, u.province_code, p.product, sum(p.trailing_7d_avg_administered) AS pace,
           bool_or(p.has_history) AS has_history
    FROM pace p JOIN ref.units u ON u.unit_code = p.store_code AND u.unit_level = 'district'
    GROUP BY ALL
),
usable AS (
    SELECT b.*, u.unit_level AS store_level, u.district_code, u.province_code, p.trailing_7d_avg_administered,
           CASE WHEN u.unit_level = 'province' THEN dp.has_history ELSE p.has_history END AS has_history,
           CASE WHEN u.unit_level = 'province' THEN coalesce(dp.pace, 0) ELSE p.trailing_7d_avg_administered END
               AS served_pace,
           marts.stock_on_hand(b.counted_on_hand, b.closing_balance) AS usable_on_hand,
           (b.expiry_date - b.ledger_date) AS days_to_expiry,
           CASE WHEN b.expiry_date >= b.ledger_date THEN usable_on_hand ELSE 0 END AS live
    FROM balances b
    JOIN pace p USING (ledger_date, store_code, product)
    LEFT JOIN ref.units u ON u.unit_code = b.store_code
    LEFT JOIN districts_pace dp ON u.unit_level = 'province' AND dp.ledger_date = b.ledger_date
                                AND dp.product = b.product AND dp.province_code = b.store_code
),
cum AS (
    SELECT *, sum(live) OVER w AS live_cum
    FROM usable
    WINDOW w AS (PARTITION BY ledger_date, store_code, product ORDER BY expiry_date, lot ROWS UNBOUNDED PRECEDING)
),
-- each store's own lots at its own pace (the province store's pace is 0: its lots are used below)
own AS (
    SELECT *, marts.fefo_used_cum(live_cum, min(CASE WHEN live > 0 THEN trailing_7d_avg_administered * days_to_expiry
                                                           - live_cum END) OVER w) AS own_used_cum
    FROM cum
    WINDOW w AS (PARTITION BY ledger_date, store_code, product ORDER BY expiry_date, lot ROWS UNBOUNDED PRECEDING)
),
district_stock AS (
    SELECT ledger_date, province_code, store_code, product, any_value(trailing_7d_avg_administered) AS pace,
           sum(live) AS own_doses
    FROM own WHERE store_level = 'district' GROUP BY ALL
),
district_lots AS (
    SELECT ledger_date, store_code, product, days_to_expiry, trailing_7d_avg_administered * days_to_expiry - live_cum AS slack
    FROM own WHERE store_level = 'district' AND live > 0
),
province_lots AS (SELECT * FROM own WHERE store_level = 'province' AND live > 0),
-- per province lot and district: the least slack of the district's own lots expiring by the province lot's expiry
district_slack AS (
    SELECT p.ledger_date, p.store_code, p.product, p.lot, p.days_to_expiry, d.store_code AS district_store, d.pace,
           d.own_doses, min(x.slack) AS own_least_slack
    FROM province_lots p
    JOIN district_stock d ON d.ledger_date = p.ledger_date AND d.product = p.product AND d.province_code = p.store_code
    LEFT JOIN district_lots x ON x.ledger_date = d.ledger_date AND x.store_code = d.store_code
                             AND x.product = d.product AND x.days_to_expiry <= p.days_to_expiry
    GROUP BY ALL
),
capacity AS (
    SELECT ledger_date, store_code, product, lot,
           sum(marts.stock_free_capacity(pace, days_to_expiry, own_doses, own_least_slack)) AS districts_capacity
    FROM district_slack GROUP BY ALL
),
province_cum AS (
    SELECT p.ledger_date, p.store_code, p.product, p.lot, p.expiry_date,
           marts.fefo_used_cum(p.live_cum, min(coalesce(c.districts_capacity, 0) - p.live_cum) OVER w) AS used_cum
    FROM province_lots p
    LEFT JOIN capacity c USING (ledger_date, store_code, product, lot)
    WINDOW w AS (PARTITION BY p.ledger_date, p.store_code, p.product ORDER BY p.expiry_date, p.lot
                 ROWS UNBOUNDED PRECEDING)
),
province_used AS (
    SELECT ledger_date, store_code, product, lot,
           used_cum - coalesce(lag(used_cum) OVER (PARTITION BY ledger_date, store_code, product
                                                    ORDER BY expiry_date, lot), 0) AS used_before_expiry
    FROM province_cum
),
fefo AS (
    SELECT o.*,
           CASE WHEN o.store_level = 'province' THEN coalesce(pu.used_before_expiry, 0)
                ELSE o.own_used_cum - coalesce(lag(o.own_used_cum) OVER (PARTITION BY o.ledger_date, o.store_code,
                                                    o.product ORDER BY o.expiry_date, o.lot), 0)
           END AS used_before_expiry
    FROM own o
    LEFT JOIN province_used pu USING (ledger_date, store_code, product, lot)
)
SELECT f.ledger_date, f.store_code, f.store_level, f.district_code, f.product, f.lot, f.expiry_date,
       f.received::BIGINT AS received, f.issued::BIGINT AS issued, f.administered::BIGINT AS administered,
       f.wasted::BIGINT AS wasted, f.closing_balance::BIGINT AS closing_balance,
       f.counted_on_hand::BIGINT AS counted_on_hand, f.usable_on_hand::BIGINT AS on_hand,
       marts.stock_discrepancy_pct(f.closing_balance, f.counted_on_hand) AS discrepancy_pct,
       marts.stock_count_disagrees(f.counted_on_hand, f.closing_balance) AS count_disagrees,
       f.days_to_expiry::INTEGER AS days_to_expiry,
       round(f.trailing_7d_avg_administered, 2) AS trailing_7d_avg_administered,
       CASE WHEN f.has_history THEN round(f.served_pace, 2) END AS served_7d_avg_administered,
       marts.stock_pace_status(f.has_history, f.served_pace) AS pace_status,
       marts.days_of_stock(f.usable_on_hand, CASE WHEN f.has_history THEN f.served_pace END) AS days_of_stock,
       CASE WHEN f.days_to_expiry < 0 THEN f.usable_on_hand ELSE f.live - f.used_before_expiry END::BIGINT
           AS doses_at_risk
FROM fefo f
ORDER BY f.ledger_date, f.store_code, f.product, f.expiry_date, f.lot
