-- severity: warning
-- title: Tỷ lệ bao phủ trên 100% (mẫu số cũ hoặc người tiêm ngoài địa bàn)
-- Latest platform date; communes, districts and the province; each cohort and dose above 100% of EITHER population
-- the coverage page offers (start of period, currently present): the detail names the base(s) exceeded, the other
-- in brackets (as report_above_own_population does). A missing or zero population is not compared.
WITH latest AS (SELECT max(as_of_date) AS d FROM marts.coverage),
f AS (
    SELECT *, coalesce(population_start > 0 AND people_vaccinated > population_start, false) AS above_start,
           coalesce(population_current > 0 AND people_vaccinated > population_current, false) AS above_current
    FROM marts.coverage
    WHERE as_of_date = (SELECT d FROM latest) AND unit_level IN ('commune', 'district', 'province')
)
SELECT unit_code, as_of_date AS ref_date,
       'Nhóm ' || cohort || ', mũi ' || dose || ': ' || vn_int(people_vaccinated) || ' người / '
       || CASE WHEN above_start AND above_current
               THEN 'cả dân số đầu kỳ ' || vn_int(population_start) || ' và hiện có ' || vn_int(population_current)
               WHEN above_start
               THEN 'dân số đầu kỳ ' || vn_int(population_start) || ' (hiện có ' || vn_int(population_current) || ')'
               ELSE 'dân số hiện có ' || vn_int(population_current) || ' (đầu kỳ ' || vn_int(population_start) || ')'
          END AS detail
FROM f
WHERE above_start OR above_current
