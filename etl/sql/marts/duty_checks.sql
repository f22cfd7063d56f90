-- grain: checked_at × commune_code. Each duty check of a commune health station (seed 002: "một số trạm y tế 13h00 thậm
-- chí 14h00 không có người trực"); staff_present false = nobody on duty when checked.
SELECT d.checked_at, d.checked_at::DATE AS check_date, d.commune_code AS unit_code, u.unit_name, u.district_code,
       d.staff_present, d.note
FROM staging.duty_checks d JOIN ref.units u ON u.unit_code = d.commune_code
ORDER BY d.checked_at, d.commune_code
