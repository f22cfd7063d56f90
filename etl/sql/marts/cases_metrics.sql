-- grain: report_date × unit_code (province, districts, communes), dense daily as marts.cases_daily. Date basis: report
-- date. new_f0_7d_sum = new F0 of the 7 days ending on the date (the date included); new_f0_7d_avg_by_report_date = that
-- ÷ 7 (trailing mean, OWID; the UK uses a centred one); new_f0_7d_per_100k_by_report_date = new_f0_7d_sum ÷
-- population_total (dân số đầu kỳ) × 100,000 (UK dashboard); new_f0_prev_7d = new F0 of the 7 days before those;
-- wow_change = new_f0_7d_sum − new_f0_prev_7d and new_f0_7d_change_pct_by_report_date = wow_change ÷ new_f0_prev_7d
-- × 100 (NULL when the previous week had no case); direction = up, down or flat by the sign of wow_change (up is bad).
-- Each is the macro of the same name (etl/sql/macros.sql), which the dashboard calls over a viewer's districts. A 7-day figure is NULL until the series holds the whole window
-- (marts.cases_daily is dense daily for every unit, so a window of 7 rows is 7 days).
-- is_complete = every commune of the unit reported that day (communes_reporting = communes_expected). The latest days
-- of a by-report-date series are still filling and a commune that has not reported counts 0, so the trend_* columns
-- are the 7-day figures as of trend_date, the latest complete date on or before report_date: the trend never reads a
-- filling day as a fall (UK dashboard convention: incomplete days are marked and kept out of the trend).
-- active_total = active_home + active_facility; home_share_pct = active_home ÷ active_total × 100.
-- new_f0_from_f1_pct (the day) and new_f0_from_f1_7d_pct (7 days: new_f0_from_f1_7d ÷ new_f0_7d_sum) = new F0 already
-- registered as F1 ÷ new F0 × 100 (contacts who became cases, WHO Go.Data). Case fatality ratio (JHU CSSE), two stated windows: cfr_cumulative_pct =
-- cumulative_deaths ÷ cumulative_f0 × 100 since the first report date of the series; cfr_28d_pct = deaths_28d ÷
-- new_f0_28d × 100 over the trailing 28 days (same days for both, no case-to-death lag; NULL until 28 days exist);
-- both to 3 decimals, as Omicron ratios are hundredths of a percent.
WITH windows AS (
    SELECT c.*,
           (c.communes_reporting = c.communes_expected) AS is_complete,
           c.active_home + c.active_facility AS active_total,
           CASE WHEN count(*) OVER w7 = 7 THEN sum(c.new_f0) OVER w7 END AS new_f0_7d_sum,
           CASE WHEN count(*) OVER w7 = 7 THEN sum(c.new_f0_from_f1) OVER w7 END AS new_f0_from_f1_7d,
           CASE WHEN count(*) OVER wp = 7 THEN sum(c.new_f0) OVER wp END AS new_f0_prev_7d,
           CASE WHEN count(*) OVER w28 = 28 THEN sum(c.new_f0) OVER w28 END AS new_f0_28d,
           CASE WHEN count(*) OVER w28 = 28 THEN sum(c.deaths) OVER w28 END AS deaths_28d
    FROM marts.cases_daily c
    WINDOW w7 AS (PARTITION BY c.unit_code ORDER BY c.report_date ROWS BETWEEN 6 PRECEDING AND CURRENT ROW),
           wp AS (PARTITION BY c.unit_code ORDER BY c.report_date ROWS BETWEEN 13 PRECEDING AND 7 PRECEDING),
           w28 AS (PARTITION BY c.unit_code ORDER BY c.report_date ROWS BETWEEN 27 PRECEDING AND CURRENT ROW)
),
weekly AS (
    SELECT w.*,
           marts.new_f0_7d_change_by_report_date(w.new_f0_7d_sum, w.new_f0_prev_7d) AS wow_change,
           marts.new_f0_7d_avg_by_report_date(w.new_f0_7d_sum) AS new_f0_7d_avg,
           marts.new_f0_7d_per_100k_by_report_date(w.new_f0_7d_sum, w.population_total) AS rate_7d_per_100k,
           marts.new_f0_7d_change_pct_by_report_date(w.new_f0_7d_sum, w.new_f0_prev_7d) AS wow_change_pct,
           marts.new_f0_7d_direction_by_report_date(w.new_f0_7d_sum, w.new_f0_prev_7d) AS direction
    FROM windows w
),
trend AS (
    -- the figures of the latest complete day, carried forward over the filling days after it
    SELECT k.*,
           last_value(CASE WHEN k.is_complete THEN struct_pack(
               d := k.report_date, s := k.new_f0_7d_sum, a := k.new_f0_7d_avg, r := k.rate_7d_per_100k,
               p := k.new_f0_prev_7d, c := k.wow_change, pc := k.wow_change_pct, dir := k.direction) END IGNORE NULLS)
               OVER (PARTITION BY k.unit_code ORDER BY k.report_date ROWS UNBOUNDED PRECEDING) AS t
    FROM weekly k
)
SELECT report_date, unit_code, unit_level, district_code, province_code,
       new_f0,
       new_f0_7d_sum::BIGINT AS new_f0_7d_sum,
       new_f0_7d_avg::DOUBLE AS new_f0_7d_avg_by_report_date,
       rate_7d_per_100k::DOUBLE AS new_f0_7d_per_100k_by_report_date,
       new_f0_prev_7d::BIGINT AS new_f0_prev_7d,
       wow_change::BIGINT AS wow_change,
       wow_change_pct::DOUBLE AS new_f0_7d_change_pct_by_report_date,
       direction,
       communes_reporting, communes_expected, is_complete,
       t.d AS trend_date,
       t.s::BIGINT AS trend_new_f0_7d_sum,
       t.a::DOUBLE AS trend_new_f0_7d_avg_by_report_date,
       t.r::DOUBLE AS trend_new_f0_7d_per_100k_by_report_date,
       t.p::BIGINT AS trend_new_f0_prev_7d,
       t.c::BIGINT AS trend_wow_change,
       t.pc::DOUBLE AS trend_new_f0_7d_change_pct_by_report_date,
       t.dir AS trend_direction,
       active_home, active_facility, active_total::BIGINT AS active_total,
       marts.share_pct(active_home, active_total)::DOUBLE AS home_share_pct,
       new_f0_from_f1,
       marts.share_pct(new_f0_from_f1, new_f0)::DOUBLE AS new_f0_from_f1_pct,
       new_f0_from_f1_7d::BIGINT AS new_f0_from_f1_7d,
       marts.share_pct(new_f0_from_f1_7d, new_f0_7d_sum)::DOUBLE AS new_f0_from_f1_7d_pct,
       new_severe, deaths, cumulative_f0, cumulative_deaths,
       marts.case_fatality_pct(cumulative_deaths, cumulative_f0)::DOUBLE AS cfr_cumulative_pct,
       new_f0_28d::BIGINT AS new_f0_28d, deaths_28d::BIGINT AS deaths_28d,
       marts.case_fatality_pct(deaths_28d, new_f0_28d)::DOUBLE AS cfr_28d_pct,
       population_total
FROM trend
ORDER BY report_date, unit_level DESC, unit_code
