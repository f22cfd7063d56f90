-- severity: warning
-- title: F0 được cấp thuốc hoặc được theo dõi nhiều hơn F0 đang điều trị
SELECT unit_code, report_date AS ref_date,
       'Đang điều trị ' || vn_int(active_home + active_facility) || '; cấp thuốc ' || vn_int(active_with_antiviral)
       || '; theo dõi ' || vn_int(active_monitored) AS detail
FROM marts.cases_daily
WHERE unit_level = 'commune'
  AND (active_with_antiviral > active_home + active_facility OR active_monitored > active_home + active_facility)
