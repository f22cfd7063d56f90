-- severity: info
-- title: Biểu mẫu của huyện còn ô để trống (chưa điền đủ các cột)
SELECT commune_code AS unit_code, report_date AS ref_date,
       'Số ô trống: ' || (
           (pop_start_18 IS NULL)::INT + (pop_start_12_17 IS NULL)::INT + (pop_start_5_11 IS NULL)::INT
         + (pop_current_18 IS NULL)::INT + (pop_current_12_17 IS NULL)::INT + (pop_current_5_11 IS NULL)::INT
         + (d18_1 IS NULL)::INT + (d18_2 IS NULL)::INT + (d18_3 IS NULL)::INT + (d18_4 IS NULL)::INT
         + (d12_1 IS NULL)::INT + (d12_2 IS NULL)::INT + (d12_3 IS NULL)::INT + (d5_1 IS NULL)::INT + (d5_2 IS NULL)::INT
         + (unvax_refused IS NULL)::INT + (unvax_deferred IS NULL)::INT + (unvax_contraindicated IS NULL)::INT
         + (unvax_unknown IS NULL)::INT + (unvax_over50 IS NULL)::INT + (unvax_comorbid IS NULL)::INT
         + (unvax_pregnant IS NULL)::INT) AS detail
FROM staging.district_reports
WHERE pop_start_18 IS NULL OR pop_start_12_17 IS NULL OR pop_start_5_11 IS NULL OR pop_current_18 IS NULL
   OR pop_current_12_17 IS NULL OR pop_current_5_11 IS NULL OR d18_1 IS NULL OR d18_2 IS NULL OR d18_3 IS NULL
   OR d18_4 IS NULL OR d12_1 IS NULL OR d12_2 IS NULL OR d12_3 IS NULL OR d5_1 IS NULL OR d5_2 IS NULL
   OR unvax_refused IS NULL OR unvax_deferred IS NULL OR unvax_contraindicated IS NULL OR unvax_unknown IS NULL
   OR unvax_over50 IS NULL OR unvax_comorbid IS NULL OR unvax_pregnant IS NULL
