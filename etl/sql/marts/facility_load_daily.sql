-- grain: status_date × unit_code × tier_group ('local' = facilities of the province and its districts,
-- 'upper' = upper-level hospitals, kept apart: seed 004 asks not to overload them). Date basis: status date.
-- quota_x2 = twice the assigned quota (seed 002: prepare capacity "lên gấp đôi so với định mức được giao").
-- occupancy_pct = occupied ÷ beds ready × 100; load_vs_quota_pct = occupied ÷ assigned quota × 100 (escalate at 100
-- and at 200); escalation by marts.facility_escalation (etl/sql/macros.sql).
WITH per_unit AS (
    SELECT status_date, district_code AS unit_code, 'district' AS unit_level, district_code, province_code, tier_group,
           count(*) FILTER (WHERE is_open) AS facilities_open, count(*) FILTER (WHERE reported) AS facilities_reporting,
           sum(bed_quota) AS bed_quota, sum(beds_ready) AS beds_ready, sum(occupied) AS occupied,
           sum(admissions) AS admissions, sum(discharges) AS discharges, sum(referred_up) AS referred_up,
           sum(staff_on_duty) AS staff_on_duty
    FROM marts.facility_daily WHERE district_code IS NOT NULL
    GROUP BY ALL
    UNION ALL
    SELECT status_date, province_code, 'province', NULL, province_code, tier_group,
           count(*) FILTER (WHERE is_open), count(*) FILTER (WHERE reported),
           sum(bed_quota), sum(beds_ready), sum(occupied), sum(admissions), sum(discharges), sum(referred_up),
           sum(staff_on_duty)
    FROM marts.facility_daily
    GROUP BY ALL
)
SELECT status_date, unit_code, unit_level, district_code, province_code, tier_group,
       facilities_open::INTEGER AS facilities_open, facilities_reporting::INTEGER AS facilities_reporting,
       bed_quota::BIGINT AS bed_quota, marts.quota_x2(bed_quota) AS quota_x2,
       beds_ready::BIGINT AS beds_ready, occupied::BIGINT AS occupied, admissions::BIGINT AS admissions,
       discharges::BIGINT AS discharges, referred_up::BIGINT AS referred_up, staff_on_duty::BIGINT AS staff_on_duty,
       marts.occupancy_pct_by_status_date(occupied, beds_ready) AS occupancy_pct,
       marts.load_vs_quota_pct_by_status_date(occupied, bed_quota) AS load_vs_quota_pct,
       marts.facility_escalation(occupied, bed_quota) AS escalation
FROM per_unit
ORDER BY status_date, unit_level DESC, unit_code, tier_group
