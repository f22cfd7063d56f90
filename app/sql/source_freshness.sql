-- one row per source: the latest date its data speaks of and when its latest file arrived
SELECT source, latest_data_date, latest_received_at, files FROM marts.source_freshness ORDER BY source
