-- one row per province with a district in scope: its GSO code (the code of its store, Kho tỉnh, in the stock
-- ledger) and how many districts it has, in scope and in all
SELECT u.province_code, count(*) FILTER (WHERE list_contains($scope, u.unit_code)) AS districts_in_scope,
       count(*) AS districts
FROM marts.units u
WHERE u.unit_level = 'district'
  AND u.province_code IN (SELECT province_code FROM marts.units WHERE list_contains($scope, unit_code))
GROUP BY u.province_code
ORDER BY u.province_code
