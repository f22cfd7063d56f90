-- one row per status date over the $days days ending on the latest status date on or before the as-of date:
-- admissions, discharges and patients referred up by the local facilities (province's own and those of the
-- districts in scope), or only the facilities located in district $district when it is given; NULL on a day no
-- facility reported
WITH d AS (SELECT max(status_date) AS d FROM marts.facility_daily WHERE status_date <= $as_of)
SELECT f.status_date, sum(f.admissions)::BIGINT AS admissions, sum(f.discharges)::BIGINT AS discharges,
       sum(f.referred_up)::BIGINT AS referred_up, sum(f.occupied)::BIGINT AS occupied
FROM marts.facility_daily f, d
WHERE f.tier_group = 'local' AND f.status_date <= d.d AND f.status_date > d.d - ($days::INTEGER)
  AND ((f.district_code IS NULL AND f.province_code IN (SELECT province_code FROM marts.units
                                                   WHERE list_contains($scope, unit_code)))
       OR list_contains($scope, f.district_code))
  AND ($district IS NULL OR f.district_code = $district)
GROUP BY f.status_date
ORDER BY f.status_date
