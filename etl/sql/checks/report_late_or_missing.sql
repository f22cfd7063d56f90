-- severity: warning
-- title: Báo cáo nộp muộn hoặc chưa nộp
SELECT unit_code, due_date AS ref_date,
       title || ': ' || CASE status WHEN 'missing' THEN 'chưa nộp' ELSE 'nộp muộn ' || days_late || ' ngày' END AS detail
FROM marts.report_submissions
WHERE status IN ('late', 'missing')
