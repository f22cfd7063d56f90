-- one row: F0 being treated over the districts in scope on the latest report date on or before the as-of date, at
-- home and in health facilities, each as a share of all of them (marts.share_pct over the scope's sums, as
-- cases_summary.sql takes the share at home): the treatment split of the briefing pack's headline (seed 001: "90%
-- được điều trị tại nhà, 10% điều trị tại cơ sở y tế")
WITH d AS (SELECT max(report_date) AS d FROM marts.cases_metrics WHERE report_date <= $as_of),
s AS (
    SELECT m.report_date, sum(m.active_total) AS active, sum(m.active_home) AS active_home,
           sum(m.active_facility) AS active_facility
    FROM marts.cases_metrics m
    JOIN d ON m.report_date = d.d
    WHERE m.unit_level = 'district' AND list_contains($scope, m.district_code)
    GROUP BY m.report_date
)
SELECT report_date, active::BIGINT AS active, active_home::BIGINT AS active_home,
       active_facility::BIGINT AS active_facility, marts.share_pct(active_home, active) AS home_share_pct,
       marts.share_pct(active_facility, active) AS facility_share_pct
FROM s
