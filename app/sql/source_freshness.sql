-- one row per source: the latest date its data speaks of and when its latest file arrived
-- (province-wide dates, which name no unit), for a viewer with at least one district of the snapshot
SELECT source, latest_data_date, latest_received_at, files FROM marts.source_freshness
WHERE EXISTS (SELECT 1 FROM marts.units x WHERE x.unit_level = 'district' AND list_contains($scope, x.unit_code))
ORDER BY source
