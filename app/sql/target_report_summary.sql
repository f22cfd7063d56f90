-- one row per report expected by a due date (as app/sql/target_reports.sql: report deadlines and plan milestones of
-- marts.targets, and the weekly district report of the last 4 weeks), for the province or the districts in scope,
-- judged on the as-of date: how many units sent it on time, late, not at all, or are not due yet, and who has not.
WITH r AS (
    SELECT r.report_kind, r.title, r.due_date, u.short_name,
           marts.report_state(r.received_date, r.due_date, $as_of) AS state
    FROM marts.report_submissions r
    JOIN marts.units u ON u.unit_code = r.unit_code
    WHERE (r.report_kind <> 'district_report' OR r.due_date BETWEEN $as_of - 27 AND $as_of)
      AND ((r.unit_level = 'province'
       AND r.unit_code IN (SELECT province_code FROM marts.units WHERE list_contains($scope, unit_code))) OR list_contains($scope, r.district_code))
)
SELECT * FROM (
SELECT r.report_kind, r.title, t.source_document, r.due_date, count(*) AS expected,
       count(*) FILTER (WHERE state = 'on_time') AS on_time,
       count(*) FILTER (WHERE state = 'late') AS late,
       count(*) FILTER (WHERE state = 'missing') AS missing,
       count(*) FILTER (WHERE state = 'upcoming') AS upcoming,
       string_agg(short_name, ', ' ORDER BY short_name) FILTER (WHERE state = 'missing') AS missing_units
FROM r LEFT JOIN marts.targets t ON t.target_id = r.report_kind
GROUP BY r.report_kind, r.title, t.source_document, r.due_date
) x
ORDER BY report_kind = 'district_report', due_date DESC, report_kind
