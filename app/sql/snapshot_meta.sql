-- one row: the snapshot being served (who built it, when, for which province; '00' is the whole country), where its
-- boundaries came from, and the span of dates a viewer may pick (a snapshot without any dated data offers only the day
-- it was built)
WITH span AS (
    SELECT (SELECT min(d) FROM (SELECT min(as_of_date) AS d FROM marts.coverage
                                UNION ALL SELECT min(report_date) FROM marts.cases_daily)) AS first_date,
           (SELECT max(d) FROM (SELECT max(latest_data_date) AS d FROM marts.source_freshness
                                WHERE latest_data_date <= (SELECT built_at::DATE FROM meta.snapshot)
                                UNION ALL SELECT max(as_of_date) FROM marts.coverage)) AS last_date
)
SELECT s.run_id, s.built_at, s.province_code,
       CASE WHEN s.province_code = '00' THEN 'Toàn quốc' ELSE u.unit_name END
           AS province_name,
       CASE WHEN s.province_code = '00' THEN 'Toàn quốc' ELSE coalesce(u.short_name, s.province_code) END
           AS province_short,
       g.file_name AS geo_file, g.missing_reason AS geo_missing_reason,
       coalesce(span.first_date, span.last_date, s.built_at::DATE) AS first_date,
       coalesce(span.last_date, span.first_date, s.built_at::DATE) AS last_date
FROM meta.snapshot s
LEFT JOIN marts.units u ON u.unit_code = s.province_code AND u.unit_level = 'province'
CROSS JOIN ref.geo_source g
CROSS JOIN span
-- province-wide facts, for a viewer with at least one district of the snapshot (an empty scope gets no row)
WHERE EXISTS (SELECT 1 FROM marts.units x WHERE x.unit_level = 'district' AND list_contains($scope, x.unit_code))
