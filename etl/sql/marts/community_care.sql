-- grain: status_date × unit_code. Mobile health stations (trạm y tế lưu động) and community COVID teams (Tổ COVID cộng
-- đồng) as last reported by each commune on or before the date; districts and the province sum their communes.
WITH dates AS (SELECT DISTINCT status_date FROM staging.community_care),
commune AS (
    SELECT d.status_date, u.unit_code, u.district_code, u.province_code,
           c.mobile_stations, c.community_teams
    FROM dates d CROSS JOIN ref.units u
    ASOF LEFT JOIN staging.community_care c ON c.commune_code = u.unit_code AND c.status_date <= d.status_date
    WHERE u.unit_level = 'commune'
)
SELECT status_date, unit_code, 'commune' AS unit_level, district_code, province_code,
       coalesce(mobile_stations, 0)::BIGINT AS mobile_stations, coalesce(community_teams, 0)::BIGINT AS community_teams
FROM commune
UNION ALL
SELECT status_date, district_code, 'district', district_code, province_code,
       coalesce(sum(mobile_stations), 0)::BIGINT, coalesce(sum(community_teams), 0)::BIGINT
FROM commune GROUP BY ALL
UNION ALL
SELECT status_date, province_code, 'province', NULL, province_code,
       coalesce(sum(mobile_stations), 0)::BIGINT, coalesce(sum(community_teams), 0)::BIGINT
FROM commune GROUP BY ALL
ORDER BY 1, 3 DESC, 2
