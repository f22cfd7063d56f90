-- one row per open upper-level hospital on the latest status date on or before the as-of date: occupied against its
-- quota, and the patients the local facilities (in scope) referred up that day
WITH d AS (SELECT max(status_date) AS d FROM marts.facility_daily WHERE status_date <= $as_of),
up AS (
    SELECT sum(f.referred_up)::BIGINT AS referred_up_local
    FROM marts.facility_daily f, d
    WHERE f.status_date = d.d AND f.tier_group = 'local'
      AND ((f.district_code IS NULL AND f.province_code IN (SELECT province_code FROM marts.units
                                                   WHERE list_contains($scope, unit_code)))
       OR list_contains($scope, f.district_code))
)
SELECT f.status_date, f.facility_code, f.facility_name, f.reported, f.bed_quota, f.occupied,
       marts.load_vs_quota_pct_by_status_date(f.occupied, f.bed_quota) AS load_vs_quota_pct,
       f.admissions, f.referred_up, up.referred_up_local
FROM marts.facility_daily f
JOIN d ON f.status_date = d.d
CROSS JOIN up
WHERE f.tier_group = 'upper' AND f.is_open AND ((f.district_code IS NULL AND f.province_code IN (SELECT province_code FROM marts.units
                                                   WHERE list_contains($scope, unit_code)))
       OR list_contains($scope, f.district_code))
ORDER BY f.facility_code
