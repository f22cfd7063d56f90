-- one row per tier group ('local', 'upper'): treatment facilities on the latest status date on or before the as-of
-- date, those of the districts in scope plus the province's own (they serve every district)
WITH d AS (SELECT max(status_date) AS d FROM marts.facility_daily WHERE status_date <= $as_of)
SELECT f.tier_group, d.d AS status_date,
       count(*) FILTER (WHERE f.is_open)::INTEGER AS facilities_open,
       count(*) FILTER (WHERE f.is_open AND f.reported)::INTEGER AS facilities_reporting,
       sum(f.bed_quota)::BIGINT AS bed_quota, marts.quota_x2(sum(f.bed_quota)) AS quota_x2,
       sum(f.beds_ready)::BIGINT AS beds_ready, sum(f.occupied)::BIGINT AS occupied,
       marts.occupancy_pct_by_status_date(sum(f.occupied), sum(f.beds_ready)) AS occupancy_pct,
       marts.load_vs_quota_pct_by_status_date(sum(f.occupied), sum(f.bed_quota)) AS load_vs_quota_pct,
       count(*) FILTER (WHERE marts.over_quota(f.occupied, f.bed_quota))::INTEGER AS facilities_over_quota
FROM marts.facility_daily f, d
WHERE f.status_date = d.d AND ((f.district_code IS NULL AND f.province_code IN (SELECT province_code FROM marts.units
                                                   WHERE list_contains($scope, unit_code)))
       OR list_contains($scope, f.district_code))
GROUP BY ALL
ORDER BY f.tier_group
