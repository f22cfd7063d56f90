-- one row: the latest weekly district report due on or before the as-of date (NULL before the first), how many
-- districts in scope owe it and how many sent it, and how many other reports due by the as-of date (any kind, any
-- earlier week, the province's own) are still missing
WITH due AS (
    SELECT max(due_date) AS due_date FROM marts.report_submissions
    WHERE report_kind = 'district_report' AND due_date <= $as_of
),
owed AS (
    SELECT r.*, (r.report_kind = 'district_report' AND r.due_date = due.due_date) AS latest_week
    FROM marts.report_submissions r, due
    WHERE r.due_date <= $as_of AND ((r.unit_level = 'province'
       AND r.unit_code IN (SELECT province_code FROM marts.units WHERE list_contains($scope, unit_code))) OR list_contains($scope, r.district_code))
)
SELECT due.due_date,
       (SELECT count(*) FROM owed WHERE latest_week)::BIGINT AS expected,
       (SELECT count(*) FROM owed WHERE latest_week AND status <> 'missing')::BIGINT AS received,
       (SELECT count(*) FROM owed WHERE NOT latest_week AND status = 'missing')::BIGINT AS other_missing
FROM due
