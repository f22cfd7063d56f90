-- grain: unit_code × report_kind × due_date. report_kind 'district_report' = the weekly report form (one expected per
-- district and report date, due on the report date + grace days); otherwise the target_id of a report deadline or plan
-- milestone (expected from the units of the provinces it binds: marts.targets provinces). status: on_time, late, missing
-- (nothing received yet). Date basis: the date the file or report was received.
WITH schedule AS (SELECT district_report_weekday::INTEGER AS district_report_weekday, grace_days::INTEGER AS grace_days FROM raw.report_schedule LIMIT 1),
report_dates AS (
    SELECT unnest(generate_series(min(report_date), max(report_date), INTERVAL 1 DAY))::DATE AS report_date
    FROM raw.district_reports
),
expected AS (
    SELECT u.unit_code, d.report_date
    FROM ref.units u CROSS JOIN report_dates d CROSS JOIN schedule s
    WHERE u.unit_level = 'district' AND isodow(d.report_date) - 1 = s.district_report_weekday
),
received AS (
    SELECT r.report_district_code AS unit_code, r.report_date, min(r.received_at) AS first_received_at,
           count(*) AS files_received
    FROM meta.files r WHERE r.source = 'district_reports'
    GROUP BY ALL
),
weekly AS (
    SELECT coalesce(e.unit_code, r.unit_code) AS unit_code, 'district' AS unit_level,
           'district_report' AS report_kind, 'Biểu mẫu báo cáo tiêm chủng hằng tuần' AS title,
           coalesce(e.report_date, r.report_date) + (SELECT grace_days FROM schedule) AS due_date,
           r.first_received_at AS received_at, coalesce(r.files_received, 0) AS files_received
    FROM expected e FULL JOIN received r USING (unit_code, report_date)
),
target_units AS (
    SELECT t.target_id, t.title, t.deadline, t.original_deadline, u.unit_code, u.unit_level
    FROM marts.targets t
    JOIN ref.units u ON u.unit_level = CASE t.responsible WHEN 'province' THEN 'province' ELSE 'district' END
    WHERE t.kind IN ('report_deadline', 'plan_milestone')
      AND (t.provinces IS NULL OR list_contains(t.provinces, u.province_code))
),
targeted AS (
    SELECT tu.unit_code, tu.unit_level, tu.target_id AS report_kind, tu.title, tu.deadline AS due_date,
           s.submitted_on::TIMESTAMP AS received_at, coalesce(s.submissions, 0) AS files_received
    FROM target_units tu LEFT JOIN staging.submissions s ON s.target_id = tu.target_id AND s.unit_code = tu.unit_code
)
SELECT x.unit_code, x.unit_level, CASE WHEN x.unit_level = 'district' THEN x.unit_code END AS district_code,
       x.report_kind, x.title, x.due_date, x.received_at, x.received_at::DATE AS received_date,
       x.files_received::INTEGER AS files_received,
       CASE WHEN x.received_at IS NULL THEN 'missing'
            WHEN x.received_at::DATE <= x.due_date THEN 'on_time' ELSE 'late' END AS status,
       CASE WHEN x.received_at::DATE > x.due_date THEN (x.received_at::DATE - x.due_date) END::INTEGER AS days_late
FROM (SELECT * FROM weekly UNION ALL SELECT * FROM targeted) x
ORDER BY x.due_date, x.report_kind, x.unit_code
