-- one row per registered facility (open or not) on the latest status date on or before the as-of date
-- (marts.facility_daily), those of the districts in scope plus the province's own and the upper-level hospitals
WITH d AS (SELECT max(status_date) AS d FROM marts.facility_daily WHERE status_date <= $as_of)
SELECT f.status_date, f.facility_code, f.facility_name,
       coalesce(u.unit_name, CASE f.tier WHEN 'upper' THEN 'Tuyến trên' ELSE 'Cấp tỉnh' END) AS district_name,
       f.tier, f.is_open, f.reported, f.bed_quota, f.beds_ready, f.occupied
FROM marts.facility_daily f
JOIN d ON f.status_date = d.d
LEFT JOIN marts.units u ON u.unit_code = f.district_code
WHERE f.district_code IS NULL OR list_contains($scope, f.district_code)
ORDER BY f.tier_group, f.district_code NULLS FIRST, f.facility_code
