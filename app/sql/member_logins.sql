-- one row per standing-committee member (login, name) the assignments file names for a district in scope: the
-- accounts to create (python -m app.admin import-members, the administrators' page)
SELECT lower(trim(member_login)) AS login, min(member) AS name
FROM marts.assignments
WHERE member_login IS NOT NULL AND trim(member_login) <> '' AND list_contains($scope, district_code)
GROUP BY 1
ORDER BY 1
