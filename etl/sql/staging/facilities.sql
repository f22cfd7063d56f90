-- grain: facility_code; the latest register row wins. district_code is NULL for a facility that belongs to no district
SELECT r.facility_code, r.facility_name,
       CASE WHEN length(r.unit_code) = 3 THEN r.unit_code END AS district_code,
       CASE WHEN length(r.unit_code) = 2 THEN r.unit_code ELSE u.province_code END AS province_code,
       r.tier,
       CASE WHEN r.tier = 'upper' THEN 'upper' ELSE 'local' END AS tier_group,
       r.bed_quota, r.opened_on, r.closed_on
FROM raw.facilities r JOIN staging.files f USING (file_id)
LEFT JOIN ref.units u ON u.unit_code = r.unit_code
QUALIFY row_number() OVER (PARTITION BY r.facility_code ORDER BY f.received_rank DESC, r.source_row DESC) = 1
