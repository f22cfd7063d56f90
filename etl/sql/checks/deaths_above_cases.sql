-- severity: error
-- title: Số tử vong cộng dồn lớn hơn số ca mắc cộng dồn
SELECT unit_code, report_date AS ref_date,
       'Tử vong cộng dồn ' || vn_int(cumulative_deaths) || ' > ca mắc cộng dồn ' || vn_int(cumulative_f0) AS detail
FROM marts.cases_daily
WHERE unit_level = 'commune' AND cumulative_deaths > cumulative_f0
QUALIFY row_number() OVER (PARTITION BY unit_code ORDER BY report_date) = 1
