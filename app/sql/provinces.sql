-- one row per province with a district in the viewer's scope (the whole-country snapshot '00' shows one province at
-- a time), in GSO code order
SELECT p.unit_code AS province_code, p.unit_name AS province_name
FROM marts.units p
WHERE p.unit_level = 'province'
  AND EXISTS (SELECT 1 FROM marts.units d
              WHERE d.unit_level = 'district' AND d.province_code = p.unit_code AND list_contains($scope, d.unit_code))
ORDER BY p.unit_code
