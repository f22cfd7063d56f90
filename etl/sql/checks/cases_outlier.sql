-- severity: info
-- title: Số F0 mới bất thường (vượt 3 độ lệch chuẩn của 28 ngày trước, huyện)
-- WHO Data Quality Tool: extreme outlier beyond 3 SD of the unit's own series (here a trailing 28-day window).
WITH s AS (
    SELECT unit_code, report_date, new_f0,
           avg(new_f0) OVER w AS mean28, stddev_samp(new_f0) OVER w AS sd28
    FROM marts.cases_daily WHERE unit_level = 'district'
    WINDOW w AS (PARTITION BY unit_code ORDER BY report_date ROWS BETWEEN 28 PRECEDING AND 1 PRECEDING)
)
SELECT unit_code, report_date AS ref_date,
       'F0 mới ' || vn_int(new_f0) || ', trung bình 28 ngày trước ' || vn_num1(mean28) || ', độ lệch chuẩn ' || vn_num1(sd28) AS detail
FROM s
WHERE sd28 > 0 AND mean28 >= 5 AND new_f0 > mean28 + 3 * sd28
