-- severity: warning
-- title: Số chuyển tuyến trên trong ngày nhiều hơn số bệnh viện tuyến trên báo cáo nhận vào
-- Each day the upper-level hospitals reported: patients the province's other facilities referred up that day against
-- the admissions the upper-level hospitals reported (which also take patients from elsewhere, so they should be at
-- least as many). The facility page shows both figures, each with its source.
WITH d AS (
    SELECT status_date, province_code,
           sum(referred_up) FILTER (WHERE tier <> 'upper')::BIGINT AS referred_up,
           sum(admissions) FILTER (WHERE tier = 'upper')::BIGINT AS upper_admissions,
           count(*) FILTER (WHERE tier = 'upper') AS upper_reporting
    FROM marts.facility_daily WHERE reported
    GROUP BY ALL
)
SELECT province_code AS unit_code, status_date AS ref_date,
       'Chuyển tuyến trên: ' || vn_int(referred_up) || ' người; bệnh viện tuyến trên báo cáo nhận vào: '
       || vn_int(upper_admissions) AS detail
FROM d
WHERE upper_reporting > 0 AND referred_up > upper_admissions
