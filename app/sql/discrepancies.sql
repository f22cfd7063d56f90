-- one row per discrepancy in the viewer's scope on the as-of date, keyed (kind, unit_code, cohort, dose) and never by
-- a report date (the reconciliation ledger's key: an entry outlives the report that raised it); cohort '' and dose 0
-- where none applies. report_vs_platform: district rows flagged in each district's latest report by the as-of date
-- (the definition of reconciliation_flags.sql); population: commune × cohort rows of those same reports whose start or
-- current population differs from the population files; coverage_over_100: units above 100% of either population on
-- the platform's latest date by the as-of date (the definition of etl/sql/checks/coverage_over_100.sql, with its
-- macro); two_sources: units flagged by the checks facility_vs_case_reports and referrals_vs_upper_admissions (each
-- check's latest day, both checks of a unit in one row; the checks judge the whole snapshot). Province-level rows count
-- for everyone. The numbers behind a row (reported, reference, their current-population twins, ratios) or the checks'
-- text (detail).
WITH latest AS (
    SELECT district_code, max(report_date) AS report_date FROM marts.reconciliation
    WHERE unit_level = 'district' AND report_date <= $as_of AND list_contains($scope, district_code)
    GROUP BY district_code
),
vs_platform AS (
    SELECT 'report_vs_platform' AS kind, r.unit_code, r.district_code, r.cohort, r.dose, r.report_date AS ref_date,
           r.reported, r.platform AS reference, r.ratio_pct
    FROM marts.reconciliation r
    JOIN latest l USING (district_code, report_date)
    WHERE r.unit_level = 'district' AND r.flagged
),
population AS (
    SELECT 'population' AS kind, p.unit_code, p.district_code, p.cohort, 0 AS dose, p.report_date AS ref_date,
           p.reported_start AS reported, p.source_start AS reference, p.start_ratio_pct AS ratio_pct,
           p.reported_current, p.source_current AS reference_current, p.current_ratio_pct AS ratio_current_pct
    FROM marts.population_reconciliation p
    JOIN latest l USING (district_code, report_date)
    WHERE p.reported_start <> p.source_start OR p.reported_current <> p.source_current
),
coverage_day AS (
    SELECT max(as_of_date) AS d FROM marts.coverage WHERE as_of_date <= $as_of
),
over_100 AS (
    SELECT 'coverage_over_100' AS kind, c.unit_code, c.district_code, c.cohort, c.dose, c.as_of_date AS ref_date,
           c.people_vaccinated AS reported, c.population_start AS reference,
           marts.coverage_pct_by_vaccination_date(c.people_vaccinated, c.population_start) AS ratio_pct,
           c.population_current AS reference_current,
           marts.coverage_pct_by_vaccination_date(c.people_vaccinated, c.population_current) AS ratio_current_pct
    FROM marts.coverage c
    WHERE c.as_of_date = (SELECT d FROM coverage_day) AND c.unit_level IN ('commune', 'district', 'province')
      AND (c.district_code IS NULL OR list_contains($scope, c.district_code))
      AND ((c.population_start > 0 AND marts.coverage_over_100(c.people_vaccinated, c.population_start))
           OR (c.population_current > 0 AND marts.coverage_over_100(c.people_vaccinated, c.population_current)))
),
checked AS (
    SELECT r.check_id, r.unit_code, r.district_code, r.ref_date, r.detail
    FROM checks.results r
    WHERE r.check_id IN ('facility_vs_case_reports', 'referrals_vs_upper_admissions')
      AND (r.district_code IS NULL OR list_contains($scope, r.district_code))
    QUALIFY r.ref_date = max(r.ref_date) OVER (PARTITION BY r.check_id, r.unit_code)
),
two_sources AS (
    SELECT 'two_sources' AS kind, unit_code, any_value(district_code) AS district_code, '' AS cohort, 0 AS dose,
           max(ref_date) AS ref_date, string_agg(detail, '; ' ORDER BY check_id) AS detail
    FROM checked
    GROUP BY unit_code
),
found AS (
    SELECT * FROM vs_platform
    UNION ALL BY NAME SELECT * FROM population
    UNION ALL BY NAME SELECT * FROM over_100
    UNION ALL BY NAME SELECT * FROM two_sources
)
SELECT d.kind, d.unit_code, coalesce(u.unit_name, d.unit_code) AS unit_name, u.unit_level, d.district_code,
       coalesce(d.cohort, '') AS cohort, coalesce(d.dose, 0) AS dose, d.ref_date, d.detail,
       d.reported::BIGINT AS reported, d.reference::BIGINT AS reference, d.ratio_pct,
       d.reported_current::BIGINT AS reported_current, d.reference_current::BIGINT AS reference_current,
       d.ratio_current_pct
FROM found d
LEFT JOIN marts.units u ON u.unit_code = d.unit_code
ORDER BY CASE d.kind WHEN 'report_vs_platform' THEN 0 WHEN 'two_sources' THEN 1 WHEN 'population' THEN 2 ELSE 3 END,
         d.district_code NULLS FIRST, CASE u.unit_level WHEN 'province' THEN 0 WHEN 'district' THEN 1 ELSE 2 END,
         d.unit_code, d.cohort, d.dose
