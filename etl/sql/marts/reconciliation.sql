-- grain: report_date × unit_code × cohort × dose. Two-source consistency (WHO Data Quality Tool): people with at least
-- `dose` doses in the district report (latest report of the district for that date) against the platform on the same
-- date (marts.coverage). ratio_pct = reported ÷ platform × 100; flagged when it is outside 100 ± 10.
-- Districts and the province sum their communes (only communes present in a report count, on both sides).
WITH reported AS (
    SELECT report_date, commune_code, district_code, cohort, dose, reported
    FROM staging.district_reports
    UNPIVOT (reported FOR col IN (d18_1, d18_2, d18_3, d18_4, d12_1, d12_2, d12_3, d5_1, d5_2))
    CROSS JOIN LATERAL (SELECT CASE WHEN col LIKE 'd18_%' THEN '18+' WHEN col LIKE 'd12_%' THEN '12-17' ELSE '5-11' END AS cohort,
                               right(col, 1)::INTEGER AS dose)
),
commune AS (
    SELECT r.report_date, r.commune_code AS unit_code, r.district_code, u.province_code, r.cohort, r.dose,
           r.reported, c.people_vaccinated AS platform
    FROM reported r
    JOIN ref.units u ON u.unit_code = r.commune_code
    LEFT JOIN marts.coverage c ON c.as_of_date = r.report_date AND c.unit_code = r.commune_code
                               AND c.cohort = r.cohort AND c.dose = r.dose
),
levels AS (
    SELECT *, 'commune' AS unit_level FROM commune
    UNION ALL
    SELECT report_date, district_code, district_code, province_code, cohort, dose, sum(reported), sum(platform), 'district'
    FROM commune GROUP BY ALL
    UNION ALL
    SELECT report_date, province_code, NULL, province_code, cohort, dose,
           sum(reported), sum(platform), 'province'
    FROM commune GROUP BY ALL
)
SELECT report_date, unit_code, unit_level, district_code, province_code, cohort, dose,
       reported::BIGINT AS reported, platform::BIGINT AS platform, (reported - platform)::BIGINT AS difference,
       marts.report_vs_platform_pct(reported, platform) AS ratio_pct,
       marts.report_vs_platform_flagged(reported, platform) AS flagged,
       marts.report_vs_platform_deviation_pp(reported, platform) AS deviation_pp
FROM levels
ORDER BY report_date, unit_level DESC, unit_code, cohort, dose
