-- grain: one ledger row (ledger_date × store_code × product × lot) whose count on hand (Tồn) is negative or differs
-- from the running balance of marts.stock_by_lot (macro marts.stock_count_disagrees). Date basis: ledger date. Read
-- by the data checks negative_stock and stock_count_vs_balance, and by the stock page, which shows both figures.
SELECT s.ledger_date, s.store_code, l.store_level, l.district_code, s.product, s.lot, s.expiry_date,
       s.on_hand::BIGINT AS counted, l.closing_balance, (s.on_hand - l.closing_balance)::BIGINT AS count_minus_balance,
       s.on_hand < 0 AS negative
FROM staging.stock s
JOIN marts.stock_by_lot l USING (ledger_date, store_code, product, lot)
WHERE marts.stock_count_disagrees(s.on_hand, l.closing_balance)
ORDER BY s.ledger_date, s.store_code, s.product, s.lot
