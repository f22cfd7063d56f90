-- grain: status_date × unit_code × tier_group ('local' = facilities of the province and its districts,
-- 'upper' = upper-level hospitals, kept apart: seed 004 asks not to overload them). Date basis: status date.
-- quota_x2 = twice the assigned quota (seed 002: prepare capacity "lên gấp đôi so với định mức được giao").
-- occupancy_pct = occupied ÷ beds ready × 100; load_vs_quota = occupied ÷ assigned quota (escalate at 1 and at 2).
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
       bed_quota::BIGINT AS bed_quota, (2 * bed_quota)::BIGINT AS quota_x2,
       beds_ready::BIGINT AS beds_ready, occupied::BIGINT AS occupied, admissions::BIGINT AS admissions,
       discharges::BIGINT AS discharges, referred_up::BIGINT AS referred_up, staff_on_duty::BIGINT AS staff_on_duty,
       round(100.0 * occupied / nullif(beds_ready, 0), 2) AS occupancy_pct,
       round(occupied::DOUBLE / nullif(bed_quota, 0), 4) AS load_vs_quota,
       CASE WHEN bed_quota IS NULL OR bed_quota = 0 THEN NULL
            WHEN occupied >= 2 * bed_quota THEN 'over_2x'
            WHEN occupied >= bed_quota THEN 'over_quota'
            WHEN occupied >= 0.8 * bed_quota THEN 'near_quota'
            ELSE 'normal' END AS escalation
FROM per_unit
ORDER BY status_date, unit_level DESC, unit_code, tier_group
