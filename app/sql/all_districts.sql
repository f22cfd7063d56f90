-- one row per district of the province (the scope of a viewer who sees everything)
SELECT unit_code AS district_code FROM marts.units WHERE unit_level = 'district' ORDER BY unit_code
