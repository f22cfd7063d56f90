-- grain: unit_code (the province, its districts, its communes: GSO codes of 2021, zero-padded text)
SELECT unit_code, unit_level, unit_name, short_name, unit_type, district_code, province_code, parent_code
FROM ref.units
ORDER BY unit_level DESC, unit_code
