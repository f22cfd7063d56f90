-- one row per district in scope: mobile health stations and community COVID teams on the latest status date on or
-- before the as-of date (marts.community_care, each commune as last reported)
WITH d AS (SELECT max(status_date) AS d FROM marts.community_care WHERE status_date <= $as_of)
SELECT c.status_date, c.district_code, u.unit_name, c.mobile_stations, c.community_teams
FROM marts.community_care c
JOIN d ON c.status_date = d.d
LEFT JOIN marts.units u ON u.unit_code = c.unit_code
WHERE c.unit_level = 'district' AND list_contains($scope, c.district_code)
ORDER BY c.district_code
