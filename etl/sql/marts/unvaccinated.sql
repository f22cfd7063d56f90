-- grain: report_date × unit_code. People aged 12+ with no dose, by reason and by priority group, from the latest district
-- report for each date (the platform does not know who is unvaccinated). A blank cell stays NULL at the commune; sums
-- count what was filled and blank_cells says how many were blank.
WITH commune AS (
    SELECT r.report_date, r.commune_code AS unit_code, r.district_code, u.province_code,
           unvax_refused, unvax_deferred, unvax_contraindicated, unvax_unknown,
           unvax_over50, unvax_comorbid, unvax_pregnant,
           ((unvax_refused IS NULL)::INT + (unvax_deferred IS NULL)::INT + (unvax_contraindicated IS NULL)::INT
            + (unvax_unknown IS NULL)::INT + (unvax_over50 IS NULL)::INT + (unvax_comorbid IS NULL)::INT
            + (unvax_pregnant IS NULL)::INT) AS blank_cells
    FROM staging.district_reports r JOIN ref.units u ON u.unit_code = r.commune_code
),
levels AS (
    SELECT *, 'commune' AS unit_level FROM commune
    UNION ALL
    SELECT report_date, district_code, district_code, province_code, sum(unvax_refused), sum(unvax_deferred), sum(unvax_contraindicated),
           sum(unvax_unknown), sum(unvax_over50), sum(unvax_comorbid), sum(unvax_pregnant), sum(blank_cells), 'district'
    FROM commune GROUP BY ALL
    UNION ALL
    SELECT report_date, province_code, NULL, province_code, sum(unvax_refused),
           sum(unvax_deferred), sum(unvax_contraindicated), sum(unvax_unknown), sum(unvax_over50), sum(unvax_comorbid),
           sum(unvax_pregnant), sum(blank_cells), 'province'
    FROM commune GROUP BY ALL
)
SELECT report_date, unit_code, unit_level, district_code, province_code,
       unvax_refused::BIGINT AS refused, unvax_deferred::BIGINT AS deferred,
       unvax_contraindicated::BIGINT AS contraindicated, unvax_unknown::BIGINT AS unknown_reason,
       (coalesce(unvax_refused, 0) + coalesce(unvax_deferred, 0) + coalesce(unvax_contraindicated, 0)
        + coalesce(unvax_unknown, 0))::BIGINT AS unvaccinated_total,
       unvax_over50::BIGINT AS over50, unvax_comorbid::BIGINT AS comorbid, unvax_pregnant::BIGINT AS pregnant,
       blank_cells::INTEGER AS blank_cells
FROM levels
ORDER BY report_date, unit_level DESC, unit_code
