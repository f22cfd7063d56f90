-- severity: warning
-- title: Báo cáo nộp muộn hoặc chưa nộp
-- Judged on the snapshot's last day of data, as the pages judge on the day they show: a report due that very day and
-- not received yet is still in time (the pages say "chưa đến hạn"), not missing.
WITH last_day AS (
    SELECT greatest((SELECT max(latest_data_date) FROM marts.source_freshness WHERE latest_data_date <= current_date),
                    (SELECT max(as_of_date) FROM marts.coverage)) AS d
)
SELECT unit_code, due_date AS ref_date,
       title || ': ' || CASE status WHEN 'missing' THEN 'chưa nộp, quá hạn ' || ((SELECT d FROM last_day) - due_date)
                                    || ' ngày'
                                    ELSE 'nộp muộn ' || days_late || ' ngày' END AS detail
FROM marts.report_submissions
WHERE status = 'late' OR (status = 'missing' AND due_date < (SELECT d FROM last_day))
