-- grain: unit_code × cohort; population_start = dân số đầu kỳ, population_current = dân số hiện có (source: population files)
WITH commune AS (
    SELECT u.unit_code, u.district_code, u.province_code, c.cohort,
           max(CASE WHEN p.version = 'start' THEN CASE c.cohort WHEN '18+' THEN p.pop_18 WHEN '12-17' THEN p.pop_12_17 ELSE p.pop_5_11 END END) AS population_start,
           max(CASE WHEN p.version = 'current' THEN CASE c.cohort WHEN '18+' THEN p.pop_18 WHEN '12-17' THEN p.pop_12_17 ELSE p.pop_5_11 END END) AS population_current,
           max(CASE WHEN p.version = 'start' THEN p.pop_total END) AS total_start,
           max(CASE WHEN p.version = 'current' THEN p.pop_total END) AS total_current,
           max(CASE WHEN p.version = 'start' THEN p.population_source END) AS source_start,
           max(CASE WHEN p.version = 'current' THEN p.population_source END) AS source_current
    FROM ref.units u
    CROSS JOIN (VALUES ('18+'), ('12-17'), ('5-11')) c(cohort)
    LEFT JOIN staging.population p ON p.commune_code = u.unit_code
    WHERE u.unit_level = 'commune'
    GROUP BY ALL
)
SELECT unit_code, 'commune' AS unit_level, district_code, cohort,
       population_start::BIGINT AS population_start, population_current::BIGINT AS population_current,
       total_start::BIGINT AS total_start, total_current::BIGINT AS total_current, source_start, source_current
FROM commune
UNION ALL
SELECT district_code, 'district', district_code, cohort,
       sum(population_start)::BIGINT, sum(population_current)::BIGINT, sum(total_start)::BIGINT, sum(total_current)::BIGINT,
       string_agg(DISTINCT source_start, '; '), string_agg(DISTINCT source_current, '; ')
FROM commune GROUP BY district_code, cohort
UNION ALL
SELECT province_code, 'province', NULL, cohort,
       sum(population_start)::BIGINT, sum(population_current)::BIGINT, sum(total_start)::BIGINT, sum(total_current)::BIGINT,
       string_agg(DISTINCT source_start, '; '), string_agg(DISTINCT source_current, '; ')
FROM commune GROUP BY province_code, cohort
