-- severity: warning
-- title: Số đang điều trị của cơ sở không khớp với hôm trước + nhập viện − ra viện − chuyển tuyến trên
-- Each facility and day it reported after reporting the day before: occupied should equal yesterday's occupied plus
-- admissions minus discharges and referrals up. marts.facility_outlook's net admissions and days until full rest on it.
WITH f AS (
    SELECT facility_code, facility_name, district_code, province_code, status_date, occupied, admissions, discharges,
           referred_up, lag(occupied) OVER w AS occupied_before, lag(reported) OVER w AS reported_before,
           lag(status_date) OVER w AS date_before
    FROM marts.facility_daily
    WINDOW w AS (PARTITION BY facility_code ORDER BY status_date)
)
SELECT coalesce(district_code, province_code) AS unit_code, status_date AS ref_date,
       facility_name || ': hôm trước ' || vn_int(occupied_before) || ' + nhập ' || vn_int(admissions) || ' − ra '
       || vn_int(discharges) || ' − chuyển tuyến ' || vn_int(referred_up) || ' = '
       || vn_int(occupied_before + admissions - discharges - referred_up) || ', báo cáo đang điều trị ' || vn_int(occupied)
       AS detail
FROM f
WHERE reported_before AND date_before = status_date - 1 AND occupied IS NOT NULL
  AND occupied <> occupied_before + admissions - discharges - referred_up
