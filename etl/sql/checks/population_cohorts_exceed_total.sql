-- severity: warning
-- title: Dân số các nhóm tuổi cộng lại lớn hơn tổng dân số
SELECT commune_code AS unit_code, NULL::DATE AS ref_date,
       'Phiên bản ' || CASE version WHEN 'start' THEN 'đầu kỳ' ELSE 'hiện có' END || ': 18+ ' || vn_int(pop_18)
       || ' + 12–17 ' || vn_int(pop_12_17) || ' + 5–11 ' || vn_int(pop_5_11) || ' > tổng ' || vn_int(pop_total) AS detail
FROM staging.population
WHERE pop_18 + pop_12_17 + pop_5_11 > pop_total
