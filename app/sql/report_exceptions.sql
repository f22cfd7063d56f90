-- one row per district whose latest weekly report due on or before the as-of date is missing or late
WITH due AS (
    SELECT max(due_date) AS due_date FROM marts.report_submissions
    WHERE report_kind = 'district_report' AND due_date <= $as_of
)
SELECT r.district_code, u.unit_name AS district_name, u.short_name, r.title, r.due_date, r.received_date, r.status,
       r.days_late
FROM marts.report_submissions r
JOIN due ON r.due_date = due.due_date
JOIN marts.units u ON u.unit_code = r.unit_code
WHERE r.report_kind = 'district_report' AND r.status <> 'on_time' AND list_contains($scope, r.district_code)
ORDER BY r.status DESC, r.days_late DESC NULLS FIRST, r.district_code
