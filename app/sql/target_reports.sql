-- one row per report expected by a due date (the weekly district report and every report deadline or plan milestone
-- of marts.targets; the weekly report of the last 4 weeks only) of the province or a district in scope, judged on the as-of date: a report received after the
-- as-of date was not yet there. state (state_text in Vietnamese, with the days late): on_time, late, missing (due and not received), upcoming (not due yet).
SELECT r.unit_code, u.unit_name, r.unit_level, r.report_kind, r.title, t.kind AS target_kind, t.source_document,
       r.due_date, CASE WHEN r.received_date <= $as_of THEN r.received_date END AS received_date,
       CASE WHEN r.received_date <= $as_of AND r.received_date <= r.due_date THEN 'on_time'
            WHEN r.received_date <= $as_of THEN 'late'
            WHEN r.due_date < $as_of THEN 'missing'
            ELSE 'upcoming' END AS state,
       CASE WHEN r.received_date <= $as_of AND r.received_date > r.due_date THEN r.received_date - r.due_date
            WHEN (r.received_date IS NULL OR r.received_date > $as_of) AND r.due_date < $as_of
            THEN $as_of - r.due_date END::INTEGER AS days_late,
       CASE WHEN r.received_date <= $as_of AND r.received_date <= r.due_date THEN 'đúng hạn'
            WHEN r.received_date <= $as_of THEN 'muộn ' || (r.received_date - r.due_date) || ' ngày'
            WHEN r.due_date < $as_of THEN 'chưa nộp (quá hạn ' || ($as_of - r.due_date) || ' ngày)'
            ELSE 'chưa đến hạn' END AS state_text
FROM marts.report_submissions r
JOIN marts.units u ON u.unit_code = r.unit_code
LEFT JOIN marts.targets t ON t.target_id = r.report_kind
WHERE (r.report_kind <> 'district_report' OR r.due_date BETWEEN $as_of - 27 AND $as_of)
  AND ((r.unit_level = 'province'
       AND r.unit_code IN (SELECT province_code FROM marts.units WHERE list_contains($scope, unit_code))) OR list_contains($scope, r.district_code))
ORDER BY r.report_kind = 'district_report', r.due_date DESC, r.report_kind,
         CASE state WHEN 'missing' THEN 0 WHEN 'late' THEN 1 WHEN 'upcoming' THEN 2 ELSE 3 END, r.unit_code
