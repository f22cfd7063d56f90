-- severity: warning
-- title: Biểu mẫu của huyện: số người đã tiêm của xã vượt dân số ghi trong chính biểu mẫu
-- Each district's latest report (its current word; earlier ones are history), each commune, cohort and dose, against
-- the population the same report states (start of period and currently present): the district contradicts itself,
-- whatever the platform or the population file say (those are coverage_over_100 and report_vs_platform). A blank
-- population cell states nothing and is not compared.
WITH r AS (
    SELECT commune_code, report_date, unnest([
        {'cohort': '18+', 'dose': 1, 'people': d18_1, 'pop_start': pop_start_18, 'pop_current': pop_current_18},
        {'cohort': '18+', 'dose': 2, 'people': d18_2, 'pop_start': pop_start_18, 'pop_current': pop_current_18},
        {'cohort': '18+', 'dose': 3, 'people': d18_3, 'pop_start': pop_start_18, 'pop_current': pop_current_18},
        {'cohort': '18+', 'dose': 4, 'people': d18_4, 'pop_start': pop_start_18, 'pop_current': pop_current_18},
        {'cohort': '12-17', 'dose': 1, 'people': d12_1, 'pop_start': pop_start_12_17, 'pop_current': pop_current_12_17},
        {'cohort': '12-17', 'dose': 2, 'people': d12_2, 'pop_start': pop_start_12_17, 'pop_current': pop_current_12_17},
        {'cohort': '12-17', 'dose': 3, 'people': d12_3, 'pop_start': pop_start_12_17, 'pop_current': pop_current_12_17},
        {'cohort': '5-11', 'dose': 1, 'people': d5_1, 'pop_start': pop_start_5_11, 'pop_current': pop_current_5_11},
        {'cohort': '5-11', 'dose': 2, 'people': d5_2, 'pop_start': pop_start_5_11, 'pop_current': pop_current_5_11}
    ], recursive := true)
    FROM staging.district_reports
    QUALIFY report_date = max(report_date) OVER (PARTITION BY district_code)
),
f AS (
    SELECT *, coalesce(people > pop_start, false) AS above_start, coalesce(people > pop_current, false) AS above_current
    FROM r
)
SELECT commune_code AS unit_code, report_date AS ref_date,
       'Nhóm ' || cohort || ', mũi ' || dose || ': ' || vn_int(people) || ' người, vượt '
       || CASE WHEN above_start AND above_current
               THEN 'cả dân số đầu kỳ ' || vn_int(pop_start) || ' và hiện có ' || vn_int(pop_current)
               WHEN above_start THEN 'dân số đầu kỳ ' || vn_int(pop_start) || ' (hiện có ' || vn_int(pop_current) || ')'
               ELSE 'dân số hiện có ' || vn_int(pop_current) || ' (đầu kỳ ' || vn_int(pop_start) || ')'
          END AS detail
FROM f
WHERE above_start OR above_current
