-- one row per report expected of a district in scope (or of the province), due on or before the as-of date, its status
-- judged on the as-of date by marts.report_state and marts.report_days_late (the one definition the sidebar's
-- weekly-report line, the data-quality page and the deadline page all use): a file received after the as-of date was
-- not there yet; on_time (received by the due date), late (received after it, by the as-of date; days_late after the due date),
-- missing (not received and the due date has passed; days_late = days overdue on the as-of date), upcoming (due on
-- the as-of date itself and not received yet: still in time, "chưa đến hạn"). Missing first, then late, then upcoming.
WITH judged AS (
    SELECT r.*, marts.received_by(r.received_date, $as_of) AS received_by_as_of,
           marts.report_state(r.received_date, r.due_date, $as_of) AS state,
           marts.report_days_late(r.received_date, r.due_date, $as_of) AS days_late_by_as_of
    FROM marts.report_submissions r
    WHERE r.due_date <= $as_of AND ((r.unit_level = 'province'
       AND r.unit_code IN (SELECT province_code FROM marts.units WHERE list_contains($scope, unit_code)))
       OR list_contains($scope, r.district_code))
)
SELECT r.unit_code, u.unit_name, u.short_name, r.unit_level, r.district_code, r.report_kind, r.title, r.due_date,
       r.received_by_as_of AS received_date,
       CASE WHEN r.received_by_as_of IS NOT NULL THEN r.files_received ELSE 0 END AS files_received,
       r.state AS status, r.days_late_by_as_of AS days_late
FROM judged r
JOIN marts.units u ON u.unit_code = r.unit_code
ORDER BY marts.report_state_rank(status), r.due_date DESC,
         r.unit_code
