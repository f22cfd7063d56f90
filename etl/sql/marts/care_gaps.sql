-- grain: report_date × unit_code (province, districts, communes), dense daily as marts.cases_daily. Date basis: report
-- date. No F0 may be left without medicine or monitoring (seeds 002, 004): without_antiviral = active F0 − active F0
-- given antiviral medicine, not_monitored = active F0 − active F0 under health monitoring, each taken at the commune
-- and never below 0 (a commune reporting more than its active F0 is flagged by the check care_above_active); districts
-- and the province sum their communes' gaps, so one commune's surplus never hides another's gap. *_pct = gap ÷
-- active_total × 100. *_change = the day-on-day change of the gap, counted over the communes that reported on both
-- days (a commune that has not reported yet counts 0 and would read as a closed gap); NULL when no commune did.
-- *_growing = that change is above 0; gap_growing = either gap grew. without_antiviral_rank = rank by without_antiviral
-- among the reporting units of the same parent on the date (communes within their district, districts within the
-- province; 1 = the largest gap, ties share a rank); NULL for the province and for a commune that did not report.
WITH commune AS (
    SELECT report_date, unit_code, district_code, province_code, communes_reporting, communes_expected,
           active_home + active_facility AS active_total, active_with_antiviral, active_monitored,
           greatest(active_home + active_facility - active_with_antiviral, 0) AS without_antiviral,
           greatest(active_home + active_facility - active_monitored, 0) AS not_monitored
    FROM marts.cases_daily
    WHERE unit_level = 'commune'
),
commune_change AS (
    SELECT *,
           CASE WHEN communes_reporting = 1 AND lag(communes_reporting) OVER w = 1
                THEN without_antiviral - lag(without_antiviral) OVER w END AS without_antiviral_change,
           CASE WHEN communes_reporting = 1 AND lag(communes_reporting) OVER w = 1
                THEN not_monitored - lag(not_monitored) OVER w END AS not_monitored_change
    FROM commune
    WINDOW w AS (PARTITION BY unit_code ORDER BY report_date)
),
district AS (
    SELECT report_date, district_code, province_code,
           sum(communes_reporting) AS communes_reporting, sum(communes_expected) AS communes_expected,
           sum(active_total) AS active_total, sum(active_with_antiviral) AS active_with_antiviral,
           sum(active_monitored) AS active_monitored, sum(without_antiviral) AS without_antiviral,
           sum(not_monitored) AS not_monitored, sum(without_antiviral_change) AS without_antiviral_change,
           sum(not_monitored_change) AS not_monitored_change
    FROM commune_change GROUP BY report_date, district_code, province_code
),
levels AS (
    SELECT report_date, unit_code, 'commune' AS unit_level, district_code, province_code,
           district_code AS parent_code, communes_reporting, communes_expected, active_total, active_with_antiviral,
           active_monitored, without_antiviral, not_monitored, without_antiviral_change, not_monitored_change
    FROM commune_change
    UNION ALL
    SELECT report_date, district_code, 'district', district_code, province_code, province_code,
           communes_reporting, communes_expected, active_total, active_with_antiviral, active_monitored,
           without_antiviral, not_monitored, without_antiviral_change, not_monitored_change
    FROM district
    UNION ALL
    -- the province sums its districts (the same sums as over its communes, from ≈ 700 rows a day instead of ≈ 10,600)
    SELECT report_date, province_code, 'province', NULL, province_code, NULL,
           sum(communes_reporting), sum(communes_expected), sum(active_total), sum(active_with_antiviral),
           sum(active_monitored), sum(without_antiviral), sum(not_monitored), sum(without_antiviral_change),
           sum(not_monitored_change)
    FROM district GROUP BY report_date, province_code
)
SELECT report_date, unit_code, unit_level, district_code, province_code,
       communes_reporting::INTEGER AS communes_reporting, communes_expected::INTEGER AS communes_expected,
       (communes_reporting = communes_expected) AS is_complete,
       active_total::BIGINT AS active_total,
       active_with_antiviral::BIGINT AS active_with_antiviral,
       active_monitored::BIGINT AS active_monitored,
       without_antiviral::BIGINT AS without_antiviral,
       marts.share_pct(without_antiviral, active_total)::DOUBLE AS without_antiviral_pct,
       not_monitored::BIGINT AS not_monitored,
       marts.share_pct(not_monitored, active_total)::DOUBLE AS not_monitored_pct,
       without_antiviral_change::BIGINT AS without_antiviral_change,
       not_monitored_change::BIGINT AS not_monitored_change,
       coalesce(without_antiviral_change > 0, false) AS without_antiviral_growing,
       coalesce(not_monitored_change > 0, false) AS not_monitored_growing,
       coalesce(without_antiviral_change > 0 OR not_monitored_change > 0, false) AS gap_growing,
       CASE WHEN parent_code IS NOT NULL AND communes_reporting > 0
            THEN rank() OVER (PARTITION BY report_date, unit_level, parent_code, communes_reporting > 0
                              ORDER BY without_antiviral DESC) END::INTEGER AS without_antiviral_rank
FROM levels
ORDER BY report_date, unit_level DESC, unit_code
