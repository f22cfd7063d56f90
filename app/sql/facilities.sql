-- one row per open facility on the latest status date on or before the as-of date (scope as in facility_load.sql);
-- load_vs_quota_pct = occupied ÷ assigned quota × 100 (escalate at 100 and at 200, seed 002)
WITH d AS (SELECT max(status_date) AS d FROM marts.facility_daily WHERE status_date <= $as_of)
SELECT f.status_date, f.facility_code, f.facility_name,
       coalesce(u.unit_name, CASE f.tier WHEN 'upper' THEN 'Tuyến trên' ELSE 'Cấp tỉnh' END) AS district_name,
       f.tier, f.tier_group, f.reported, f.bed_quota, marts.quota_x2(f.bed_quota) AS quota_x2, f.beds_ready,
       f.occupied, marts.occupancy_pct_by_status_date(f.occupied, f.beds_ready) AS occupancy_pct,
       marts.load_vs_quota_pct_by_status_date(f.occupied, f.bed_quota) AS load_vs_quota_pct,
       marts.facility_escalation(f.occupied, f.bed_quota) AS escalation,
       f.admissions, f.discharges, f.referred_up, f.staff_on_duty
FROM marts.facility_daily f
JOIN d ON f.status_date = d.d
LEFT JOIN marts.units u ON u.unit_code = f.district_code
WHERE f.is_open AND ((f.district_code IS NULL AND f.province_code IN (SELECT province_code FROM marts.units
                                                   WHERE list_contains($scope, unit_code)))
       OR list_contains($scope, f.district_code))
  AND ($only_over_quota = false OR marts.over_quota(f.occupied, f.bed_quota))
ORDER BY marts.load_vs_quota_pct_by_status_date(f.occupied, f.bed_quota) DESC NULLS LAST, f.facility_code
