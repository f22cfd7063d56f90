-- grain: district_code. The standing-committee member who answers for the district (seed 001 §5.1) and its district
-- secretary (§5.2); NULL when the latest assignments file does not name the district.
SELECT u.unit_code AS district_code, u.unit_name AS district_name, a.member, a.member_login, a.district_secretary
FROM ref.units u LEFT JOIN staging.assignments a ON a.district_code = u.unit_code
WHERE u.unit_level = 'district'
ORDER BY u.unit_code
