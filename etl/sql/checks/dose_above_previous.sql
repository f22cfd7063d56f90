-- severity: warning
-- title: Số người tiêm mũi sau nhiều hơn mũi trước (nền tảng tiêm chủng)
-- Latest platform date, communes: people with ≥ k+1 doses above people with ≥ k doses in the same cohort.
WITH latest AS (SELECT max(as_of_date) AS d FROM marts.coverage)
SELECT c.unit_code, c.as_of_date AS ref_date,
       'Nhóm ' || c.cohort || ': mũi ' || c.dose || ' = ' || vn_int(c.people_vaccinated) || ' > mũi ' || p.dose || ' = ' || vn_int(p.people_vaccinated) AS detail
FROM marts.coverage c
JOIN marts.coverage p ON p.as_of_date = c.as_of_date AND p.unit_code = c.unit_code AND p.cohort = c.cohort AND p.dose = c.dose - 1
WHERE c.as_of_date = (SELECT d FROM latest) AND c.unit_level = 'commune' AND c.people_vaccinated > p.people_vaccinated
