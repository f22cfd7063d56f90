-- severity: warning
-- title: Cơ sở điều trị vượt định mức giường được giao
-- Latest status date, each facility with more patients than its assigned quota.
SELECT coalesce(district_code, province_code) AS unit_code,
       status_date AS ref_date,
       facility_name || ': đang điều trị ' || vn_int(occupied) || ' / định mức ' || vn_int(bed_quota) AS detail
FROM marts.facility_daily
WHERE status_date = (SELECT max(status_date) FROM marts.facility_daily WHERE reported)
  AND is_open AND bed_quota > 0 AND occupied > bed_quota
