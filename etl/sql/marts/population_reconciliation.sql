-- grain: report_date × commune_code × cohort. The population a district report states (start of period, currently
-- present) against the population files (marts.population), and the coverage change the choice of denominator causes
-- (seed 003 §2: "dân số đầu kỳ và dân số hiện có trên địa bàn là bao nhiêu").
WITH reported AS (
    SELECT report_date, commune_code, district_code, '18+' AS cohort, pop_start_18 AS reported_start, pop_current_18 AS reported_current FROM staging.district_reports
    UNION ALL
    SELECT report_date, commune_code, district_code, '12-17', pop_start_12_17, pop_current_12_17 FROM staging.district_reports
    UNION ALL
    SELECT report_date, commune_code, district_code, '5-11', pop_start_5_11, pop_current_5_11 FROM staging.district_reports
)
SELECT r.report_date, r.commune_code AS unit_code, 'commune' AS unit_level, r.district_code, r.cohort,
       r.reported_start::BIGINT AS reported_start, r.reported_current::BIGINT AS reported_current,
       p.population_start AS source_start, p.population_current AS source_current,
       marts.reported_vs_reference_pct(r.reported_start, p.population_start) AS start_ratio_pct,
       marts.reported_vs_reference_pct(r.reported_current, p.population_current) AS current_ratio_pct
FROM reported r
LEFT JOIN marts.population p ON p.unit_code = r.commune_code AND p.cohort = r.cohort
ORDER BY r.report_date, r.commune_code, r.cohort
