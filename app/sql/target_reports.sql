-- one row per report expected by a due date (the weekly district report and every report deadline or plan milestone
-- of marts.targets; the weekly report of the last 4 weeks only) of the province or a district in scope, judged on the as-of date: a report received after the
-- as-of date was not yet there. state and days_late: marts.report_state and marts.report_days_late (on_time, late,
-- missing: due and not received, upcoming: not due yet).
SELECT r.unit_code, u.unit_name, r.unit_level, r.report_kind, r.title, t.kind AS target_kind, t.source_document,
       r.due_date, marts.received_by(r.received_date, $as_of) AS received_date,
       marts.report_state(r.received_date, r.due_date, $as_of) AS state,
       marts.report_days_late(r.received_date, r.due_date, $as_of) AS days_late
FROM marts.report_submissions r
JOIN marts.units u ON u.unit_code = r.unit_code
LEFT JOIN marts.targets t ON t.target_id = r.report_kind
WHERE (r.report_kind <> 'district_report' OR r.due_date BETWEEN $as_of - 27 AND $as_of)
  AND ((r.unit_level = 'province'
       AND r.unit_code IN (SELECT province_code FROM marts.units WHERE list_contains($scope, unit_code))) OR list_contains($scope, r.district_code))
ORDER BY r.report_kind = 'district_report', r.due_date DESC, r.report_kind,
         marts.report_state_rank(state), r.unit_code
