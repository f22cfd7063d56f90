-- severity: warning
-- title: Tỷ lệ bao phủ trên 100% (mẫu số cũ hoặc người tiêm ngoài địa bàn)
-- Latest platform date, communes and districts, population at start of period; shown with both denominators.
WITH latest AS (SELECT max(as_of_date) AS d FROM marts.coverage)
SELECT unit_code, as_of_date AS ref_date,
       'Nhóm ' || cohort || ', mũi ' || dose || ': ' || vn_int(people_vaccinated) || ' người / dân số đầu kỳ ' || vn_int(population_start)
       || ' (hiện có ' || vn_int(population_current) || ')' AS detail
FROM marts.coverage
WHERE as_of_date = (SELECT d FROM latest) AND unit_level IN ('commune', 'district')
  AND population_start > 0 AND people_vaccinated > population_start
