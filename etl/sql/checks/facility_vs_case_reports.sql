-- severity: warning
-- title: Hai nguồn lệch nhau: F0 điều trị tại cơ sở (báo cáo ca bệnh) và số đang điều trị (báo cáo cơ sở điều trị)
-- Two sources count F0 treated in facilities: the daily case reports (active_facility, by where the F0 lives) and the
-- facilities' own status reports (occupied, by where the facility stands; the province adds every facility, upper-level
-- hospitals included). Pages show both, each named with its source; a gap of at least 2 people and 10% of the larger
-- figure is listed here, for each unit's latest day both sources reported (the day the pages show side by side).
WITH f AS (
    SELECT status_date, district_code, province_code, tier, occupied
    FROM marts.facility_daily WHERE reported AND occupied IS NOT NULL
),
by_unit AS (
    SELECT status_date, district_code AS unit_code, sum(occupied)::BIGINT AS occupied
    FROM f WHERE district_code IS NOT NULL AND tier <> 'upper' GROUP BY ALL
    UNION ALL
    SELECT status_date, province_code, sum(occupied)::BIGINT FROM f GROUP BY ALL
),
both_reported AS (
    SELECT b.unit_code, b.status_date, c.active_facility, b.occupied
    FROM by_unit b JOIN marts.cases_daily c ON c.unit_code = b.unit_code AND c.report_date = b.status_date
    QUALIFY b.status_date = max(b.status_date) OVER (PARTITION BY b.unit_code)
)
SELECT unit_code, status_date AS ref_date,
       'Báo cáo ca bệnh: ' || vn_int(active_facility) || ' F0 điều trị tại cơ sở; báo cáo cơ sở điều trị: '
       || vn_int(occupied) || ' người đang điều trị (lệch ' || vn_int(abs(active_facility - occupied)) || ')' AS detail
FROM both_reported
WHERE abs(active_facility - occupied) >= 2 AND abs(active_facility - occupied) >= 0.1 * greatest(active_facility, occupied)
