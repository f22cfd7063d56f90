-- grain: status_date × facility_code, dense daily over the status period. Date basis: status date.
-- is_open follows the register (opened_on ≤ date, closed_on blank or after the date); a closed facility has no quota.
-- reported = the facility sent a status for that day (its figures are NULL otherwise, never guessed).
WITH bounds AS (SELECT min(status_date) AS d0, max(status_date) AS d1 FROM staging.facility_status),
dates AS (SELECT unnest(generate_series(d0, d1, INTERVAL 1 DAY))::DATE AS status_date FROM bounds)
SELECT t.status_date, f.facility_code, f.facility_name, f.district_code, f.province_code, f.tier, f.tier_group,
       (f.opened_on <= t.status_date AND (f.closed_on IS NULL OR f.closed_on > t.status_date)) AS is_open,
       CASE WHEN f.opened_on <= t.status_date AND (f.closed_on IS NULL OR f.closed_on > t.status_date)
            THEN f.bed_quota ELSE 0 END::BIGINT AS bed_quota,
       (s.facility_code IS NOT NULL) AS reported,
       s.beds_ready, s.occupied, s.admissions, s.discharges, s.referred_up, s.staff_on_duty
FROM staging.facilities f
CROSS JOIN dates t
LEFT JOIN staging.facility_status s ON s.facility_code = f.facility_code AND s.status_date = t.status_date
WHERE f.opened_on <= t.status_date OR s.facility_code IS NOT NULL
