-- severity: warning
-- title: Cơ sở điều trị vượt định mức giường được giao (mọi ngày; mỗi đợt vượt liên tiếp một dòng)
-- Every status date, not only the latest: one row per facility and run of consecutive days it reported more patients
-- than its assigned quota (open, quota above 0); a day not reported, or not over, ends the run. ref_date = the run's
-- last day; the detail gives the first and last day, the number of days and the peak (the first day it was reached),
-- or, for a run of one day, that day's figures.
WITH over AS (
    SELECT facility_code, facility_name, coalesce(district_code, province_code) AS unit_code, status_date, occupied,
           bed_quota,
           status_date - (row_number() OVER (PARTITION BY facility_code ORDER BY status_date))::INTEGER AS run_key
    FROM marts.facility_daily
    WHERE reported AND is_open AND marts.over_quota(occupied, bed_quota)
),
runs AS (
    SELECT facility_code, any_value(facility_name) AS facility_name, any_value(unit_code) AS unit_code,
           min(status_date) AS first_day, max(status_date) AS last_day, count(*) AS days,
           arg_max(occupied, occupied * 100000 - epoch(status_date) / 86400) AS peak,
           arg_max(bed_quota, occupied * 100000 - epoch(status_date) / 86400) AS peak_quota,
           arg_max(status_date, occupied * 100000 - epoch(status_date) / 86400) AS peak_day
    FROM over
    GROUP BY facility_code, run_key
)
SELECT unit_code, last_day AS ref_date,
       facility_name || ': vượt định mức '
       || CASE WHEN days = 1
               THEN 'ngày ' || strftime(first_day, '%d/%m/%Y') || ', đang điều trị ' || vn_int(peak) || ' / định mức '
                    || vn_int(peak_quota)
               ELSE vn_int(days) || ' ngày liền, từ ' || strftime(first_day, '%d/%m/%Y') || ' đến '
                    || strftime(last_day, '%d/%m/%Y') || '; cao nhất đang điều trị ' || vn_int(peak) || ' / định mức '
                    || vn_int(peak_quota) || ' (ngày ' || strftime(peak_day, '%d/%m/%Y') || ')' END AS detail
FROM runs
