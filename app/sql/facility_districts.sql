-- one row per district in scope with local (province and district) facilities, on the latest status date on or
-- before the as-of date (marts.facility_outlook): beds ready against the quota and twice the quota, occupancy,
-- escalation band and days until full; unit_code/numerator/denominator/value name the occupancy (patients ÷ beds
-- ready × 100) for the district map
WITH d AS (SELECT max(status_date) AS d FROM marts.facility_outlook WHERE status_date <= $as_of)
SELECT o.status_date, o.district_code, u.unit_name, o.facilities_open, o.facilities_reporting,
       o.bed_quota, o.quota_x2, o.beds_ready, o.occupied, o.occupancy_pct, o.escalation,
       o.free_beds, o.net_admissions_7d_avg, o.days_until_full, o.beds_ready_pct_of_2x_quota,
       o.beds_ready_below_2x_quota,
       o.district_code AS unit_code, o.occupied AS numerator, o.beds_ready AS denominator, o.occupancy_pct AS value
FROM marts.facility_outlook o
JOIN d ON o.status_date = d.d
LEFT JOIN marts.units u ON u.unit_code = o.unit_code
WHERE o.unit_level = 'district' AND o.tier_group = 'local' AND list_contains($scope, o.district_code)
ORDER BY o.load_vs_quota_pct DESC NULLS LAST, o.district_code
