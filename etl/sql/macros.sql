-- Every ratio, rate, status rule and derived count a page shows is defined once, here, as a macro stored in the
-- snapshot (schema marts): the marts compute their columns with them, and the dashboard's queries (app/sql), which
-- only select, filter and sum numerators and denominators, call the same macros over a viewer's districts (a ratio
-- over a member's districts cannot be stored). A name carries its date basis where the figure has one (UKHSA style:
-- new_f0_7d_avg_by_report_date). The comment of each macro is its documentation (docs/marts.md): definition, date
-- basis, denominator, rounding. Rounding is the one the screen shows, so that a figure and its table agree digit for
-- digit. The build runs this file before the models.

-- Cases, by report date (ngày báo cáo): a 7-day window ends on the date, the date included.
CREATE OR REPLACE MACRO marts.new_f0_7d_avg_by_report_date(new_f0_7d_sum) AS round(new_f0_7d_sum / 7.0, 1)
;
COMMENT ON MACRO marts.new_f0_7d_avg_by_report_date IS 'Trung bình 7 ngày (lùi): new F0 of the 7 report dates ending on the date ÷ 7 (trailing mean, OWID), 1 decimal. Date basis: report date.'
;
CREATE OR REPLACE MACRO marts.new_f0_7d_per_100k_by_report_date(new_f0_7d_sum, population) AS
    round(100000.0 * new_f0_7d_sum / nullif(population, 0), 1)
;
COMMENT ON MACRO marts.new_f0_7d_per_100k_by_report_date IS 'F0 7 ngày /100.000 dân: new F0 of the 7 report dates ending on the date ÷ population × 100.000, 1 decimal. Denominator: dân số đầu kỳ (population_total). Date basis: report date.'
;
CREATE OR REPLACE MACRO marts.new_f0_7d_change_by_report_date(new_f0_7d_sum, new_f0_prev_7d) AS
    (new_f0_7d_sum - new_f0_prev_7d)::BIGINT
;
COMMENT ON MACRO marts.new_f0_7d_change_by_report_date IS 'Change of new F0 over 7 days: new F0 of the 7 report dates ending on the date − new F0 of the 7 before them (people). Date basis: report date.'
;
CREATE OR REPLACE MACRO marts.new_f0_7d_change_pct_by_report_date(new_f0_7d_sum, new_f0_prev_7d) AS
    round(100.0 * (new_f0_7d_sum - new_f0_prev_7d) / nullif(new_f0_prev_7d, 0), 1)
;
COMMENT ON MACRO marts.new_f0_7d_change_pct_by_report_date IS 'Change of new F0 over 7 days in %: (7 days ending on the date − the 7 before) ÷ the 7 before × 100, 1 decimal; NULL when the 7 before had no case. Denominator: new F0 of the previous 7 days. Date basis: report date.'
;
CREATE OR REPLACE MACRO marts.new_f0_7d_direction_by_report_date(new_f0_7d_sum, new_f0_prev_7d) AS
    CASE WHEN new_f0_7d_sum > new_f0_prev_7d THEN 'up' WHEN new_f0_7d_sum < new_f0_prev_7d THEN 'down'
         WHEN new_f0_7d_sum = new_f0_prev_7d THEN 'flat' END
;
COMMENT ON MACRO marts.new_f0_7d_direction_by_report_date IS 'Xu hướng 7 ngày: up, down or flat by the sign of the 7-day change (up is bad); NULL when either week is unknown. Date basis: report date.'
;
CREATE OR REPLACE MACRO marts.share_pct(part, whole) AS round(100.0 * part / nullif(whole, 0), 2)
;
COMMENT ON MACRO marts.share_pct IS 'A part of a whole counted on the same rows and the same day, in %, 2 decimals (active F0 at home, new F0 already F1, F0 without antiviral medicine, F0 not monitored). Denominator: the whole (NULL when it is 0).'
;
CREATE OR REPLACE MACRO marts.case_fatality_pct(deaths, cases) AS round(100.0 * deaths / nullif(cases, 0), 3)
;
COMMENT ON MACRO marts.case_fatality_pct IS 'Case fatality ratio (JHU CSSE): deaths ÷ new F0 of the same stated window × 100, 3 decimals (Omicron ratios are hundredths of a percent). Denominator: new F0 of the window. Date basis: report date.'
;

-- Vaccination, by the platform's as-of date (people vaccinated with at least dose k, recorded up to the date).
CREATE OR REPLACE MACRO marts.coverage_pct_by_vaccination_date(people, population) AS
    round(100.0 * people / nullif(population, 0), 2)
;
COMMENT ON MACRO marts.coverage_pct_by_vaccination_date IS 'Tỷ lệ bao phủ: people with at least dose k recorded by the date ÷ population of the cohort × 100, 2 decimals. Denominator: dân số đầu kỳ or dân số hiện có of the cohort, as chosen (the start-of-period population by default). Date basis: the platform''s as-of date.'
;
CREATE OR REPLACE MACRO marts.coverage_over_100(people, population) AS coalesce(people > population, false)
;
COMMENT ON MACRO marts.coverage_over_100 IS 'Trên 100%: more people with dose k than the cohort''s population (a denominator to review). Denominator: the population base it is judged on.'
;
CREATE OR REPLACE MACRO marts.coverage_change_7d_pp_by_vaccination_date(people, people_7d_before, population) AS
    round(100.0 * (people - people_7d_before) / nullif(population, 0), 2)
;
COMMENT ON MACRO marts.coverage_change_7d_pp_by_vaccination_date IS 'Change of coverage over 7 days, in percentage points: people added in the 7 days to the date ÷ population × 100, 2 decimals. Denominator: the population of the coverage it changes. Date basis: the platform''s as-of date.'
;
CREATE OR REPLACE MACRO marts.unvaccinated(population, people) AS (population - people)::BIGINT
;
COMMENT ON MACRO marts.unvaccinated IS 'Chưa tiêm: population of the cohort − people with at least dose k (negative when the population is understated).'
;
CREATE OR REPLACE MACRO marts.dropped_out(eligible, next_people) AS (eligible - next_people)::BIGINT
;
COMMENT ON MACRO marts.dropped_out IS 'Bỏ mũi: people due for dose k + 1 (dose k at least one interval ago) − people with dose k + 1 by the date.'
;
CREATE OR REPLACE MACRO marts.dropout_pct_by_vaccination_date(eligible, next_people) AS
    round(100.0 * (eligible - next_people) / nullif(eligible, 0), 2)
;
COMMENT ON MACRO marts.dropout_pct_by_vaccination_date IS 'Tỷ lệ bỏ mũi (INDICATORS.md): (people due for dose k + 1 − people with dose k + 1) ÷ people due × 100, 2 decimals. Denominator: people with dose k at least one minimum interval before the date. Date basis: the platform''s as-of date.'
;

-- Coverage targets (chỉ tiêu) of the directives.
CREATE OR REPLACE MACRO marts.target_people(threshold_pct, population) AS
    ceil(threshold_pct * population / 100.0)::BIGINT
;
COMMENT ON MACRO marts.target_people IS 'People a target requires: threshold % × population, rounded up (a target of 95% of 1.001 people needs 951); NULL without a population figure. Denominator: the population version the target names.'
;
CREATE OR REPLACE MACRO marts.people_needed(threshold_pct, population, people) AS
    greatest(ceil(threshold_pct * population / 100.0)::BIGINT - people, 0)
;
COMMENT ON MACRO marts.people_needed IS 'Còn thiếu: people a target still requires on the date (0 once reached).'
;

-- Treatment facilities, by status date (ngày báo cáo công suất).
CREATE OR REPLACE MACRO marts.quota_x2(bed_quota) AS (2 * bed_quota)::BIGINT
;
COMMENT ON MACRO marts.quota_x2 IS 'Gấp đôi định mức: twice the assigned bed quota (seed 002: "lên gấp đôi so với định mức được giao").'
;
CREATE OR REPLACE MACRO marts.occupancy_pct_by_status_date(occupied, beds_ready) AS
    round(100.0 * occupied / nullif(beds_ready, 0), 2)
;
COMMENT ON MACRO marts.occupancy_pct_by_status_date IS 'Công suất giường: patients ÷ beds ready × 100, 2 decimals. Denominator: beds ready. Date basis: status date.'
;
CREATE OR REPLACE MACRO marts.load_vs_quota_pct_by_status_date(occupied, bed_quota) AS
    round(100.0 * occupied / nullif(bed_quota, 0), 2)
;
COMMENT ON MACRO marts.load_vs_quota_pct_by_status_date IS 'So với định mức: patients ÷ assigned bed quota × 100, 2 decimals (escalate at 100 and 200, seed 002). Denominator: the assigned quota. Date basis: status date.'
;
CREATE OR REPLACE MACRO marts.facility_escalation(occupied, bed_quota) AS
    CASE WHEN bed_quota IS NULL OR bed_quota = 0 OR occupied IS NULL THEN NULL
         WHEN occupied > 2 * bed_quota THEN 'over_2x'
         WHEN occupied > bed_quota THEN 'over_quota'
         WHEN occupied >= 0.8 * bed_quota THEN 'near_quota' ELSE 'normal' END
;
COMMENT ON MACRO marts.facility_escalation IS 'Mức: over_2x (more patients than 2 × quota: "vượt 2 lần định mức"), over_quota (more than the quota: "vượt định mức"; a facility exactly at its quota is full, not over), near_quota (at least 80% of the quota), normal; NULL without a quota or a report. The data check facility_over_quota lists the same days.'
;
CREATE OR REPLACE MACRO marts.over_quota(occupied, bed_quota) AS coalesce(bed_quota > 0 AND occupied > bed_quota, false)
;
COMMENT ON MACRO marts.over_quota IS 'Vượt định mức: more patients than the assigned quota (a quota of 0 is never exceeded), as marts.facility_escalation.'
;

-- Reports expected of units (weekly district reports, report deadlines and plan milestones), judged on a date.
CREATE OR REPLACE MACRO marts.received_by(received_date, as_of) AS
    CASE WHEN received_date <= as_of THEN received_date END
;
COMMENT ON MACRO marts.received_by IS 'The date a report was received, if it was by the date it is judged on (a file received later was not there yet).'
;
CREATE OR REPLACE MACRO marts.report_state(received_date, due_date, as_of) AS
    CASE WHEN received_date <= as_of AND received_date <= due_date THEN 'on_time'
         WHEN received_date <= as_of THEN 'late'
         WHEN due_date < as_of THEN 'missing'
         ELSE 'upcoming' END
;
COMMENT ON MACRO marts.report_state IS 'Tình trạng báo cáo judged on a date: on_time (received by the due date), late (received after it, by the date), missing (not received and due before the date), upcoming (due on or after the date: "chưa đến hạn").'
;
CREATE OR REPLACE MACRO marts.report_days_late(received_date, due_date, as_of) AS
    CASE WHEN received_date <= as_of AND received_date > due_date THEN received_date - due_date
         WHEN (received_date IS NULL OR received_date > as_of) AND due_date < as_of THEN as_of - due_date END::INTEGER
;
COMMENT ON MACRO marts.report_days_late IS 'Days late judged on a date: received − due for a late report, the date − due for a missing one; NULL otherwise.'
;
CREATE OR REPLACE MACRO marts.report_state_rank(state) AS
    CASE state WHEN 'missing' THEN 0 WHEN 'late' THEN 1 WHEN 'upcoming' THEN 2 ELSE 3 END
;
COMMENT ON MACRO marts.report_state_rank IS 'The order reports are listed in: missing, late, upcoming, on time.'
;

-- District reports against the vaccination platform (đối chiếu).
CREATE OR REPLACE MACRO marts.report_vs_platform_pct(reported, platform) AS round(100.0 * reported / nullif(platform, 0), 2)
;
COMMENT ON MACRO marts.report_vs_platform_pct IS 'Báo cáo / nền tảng: people a district report gives ÷ people on the platform on the report''s date × 100, 2 decimals. Denominator: the platform figure.'
;
CREATE OR REPLACE MACRO marts.report_vs_platform_flagged(reported, platform) AS
    coalesce(abs(100.0 * reported / nullif(platform, 0) - 100) > 10, reported > 0)
;
COMMENT ON MACRO marts.report_vs_platform_flagged IS 'Lệch quá 10%: the report differs from the platform by more than 10% of the platform figure, or reports people where the platform has none.'
;

-- Vaccine stock, by ledger date.
CREATE OR REPLACE MACRO marts.stock_on_hand(counted_on_hand, closing_balance) AS
    greatest(CASE WHEN counted_on_hand >= 0 THEN counted_on_hand ELSE closing_balance END, 0)
;
COMMENT ON MACRO marts.stock_on_hand IS 'Tồn kho: the doses counted in the store (Tồn) where a count exists and is not negative, else the ledger''s running balance; never below 0. A negative count, or one that differs from the running balance, is a data check (marts.stock_count_flags).'
;
CREATE OR REPLACE MACRO marts.stock_count_disagrees(counted, closing_balance) AS
    coalesce(counted < 0 OR counted <> closing_balance, false)
;
COMMENT ON MACRO marts.stock_count_disagrees IS 'Tồn đếm lệch sổ: the count written on a ledger row (Tồn) is negative or differs from the running balance (opening + received − issued − administered − discarded since the lot''s first movement at the store); false where no count is written.'
;
CREATE OR REPLACE MACRO marts.fefo_used_cum(doses_cum, least_slack) AS
    doses_cum + least(0, coalesce(least_slack, 0))
;
COMMENT ON MACRO marts.fefo_used_cum IS 'Dùng được trước hạn, cộng dồn (first-expiry-first-out at a steady pace): doses of a store''s lots expiring up to this one (in expiry order) that are used before their own expiry = doses_cum + min(0, least slack), the least slack being the smallest over those lots of (doses the pace can use in the days to the lot''s expiry − doses_cum at that lot). A lot''s doses used = this − the same of the lot before; the rest expire unused. Date basis: ledger date.'
;
CREATE OR REPLACE MACRO marts.stock_free_capacity(pace, days_to_expiry, own_doses, own_least_slack) AS
    greatest(0, coalesce(pace, 0) * days_to_expiry - own_doses - least(0, coalesce(own_least_slack, 0)))
;
COMMENT ON MACRO marts.stock_free_capacity IS 'Sức tiêm còn trống của một huyện trước một hạn dùng: doses the district can administer in the days to the expiry at its trailing 7-day pace beyond what it administers of its own stock by then = max(0, pace × days − own usable doses − min(0, least slack of its own lots expiring by then)) (its own stock used first, first-expiry-first-out). The province store''s lots are used first-expiry-first-out against the sum of this over the province''s districts. Date basis: ledger date.'
;
CREATE OR REPLACE MACRO marts.stock_pace_status(has_history, pace) AS
    CASE WHEN NOT coalesce(has_history, false) THEN 'no_history' WHEN pace > 0 THEN 'active' ELSE 'idle' END
;
COMMENT ON MACRO marts.stock_pace_status IS 'Tình trạng tốc độ tiêm: no_history (chưa có số liệu tiêm: no dose of the product administered at the store, or, for the province store, at any district store, on or before the date), idle (administered before, none in the last 7 days), active.'
;
CREATE OR REPLACE MACRO marts.wastage_rate_pct(wasted, administered) AS
    round(100.0 * wasted / nullif(administered + wasted, 0), 2)
;
COMMENT ON MACRO marts.wastage_rate_pct IS 'Tỷ lệ hủy (WHO EPI / DHIS2): doses discarded ÷ doses used (administered + discarded) × 100, 2 decimals, over the stated period (from the store''s first ledger row to the date). Denominator: doses administered + doses discarded.'
;

-- Numbers written into text (the detail of a flagged check row) the Vietnamese way: 7.100, 12.345,7; NULL as "?".
CREATE OR REPLACE MACRO vn_int(x) AS
    CASE WHEN x IS NULL THEN '?' ELSE replace(format('{:,}', round(x)::BIGINT), ',', '.') END
;
COMMENT ON MACRO vn_int IS 'A whole number in Vietnamese format for the text of a data check (7.100); NULL as "?".'
;
CREATE OR REPLACE MACRO vn_num1(x) AS
    CASE WHEN x IS NULL THEN '?' ELSE translate(format('{:,.1f}', x::DOUBLE), ',.', '.,') END
;
COMMENT ON MACRO vn_num1 IS 'A number with 1 decimal in Vietnamese format for the text of a data check (12.345,7); NULL as "?".'
;
CREATE OR REPLACE MACRO marts.people_added_7d_by_vaccination_date(people, people_7d_before) AS
    (people - people_7d_before)::BIGINT
;
COMMENT ON MACRO marts.people_added_7d_by_vaccination_date IS 'People who reached dose k in the 7 days to the date: people with at least dose k on the date − 7 days earlier. Date basis: the platform''s as-of date.'
;
CREATE OR REPLACE MACRO marts.report_vs_platform_deviation_pp(reported, platform) AS
    round(abs(100.0 * reported / nullif(platform, 0) - 100), 2)
;
COMMENT ON MACRO marts.report_vs_platform_deviation_pp IS 'How far a district report is from the platform: |report ÷ platform × 100 − 100|, in percentage points, 2 decimals (the worst first). Denominator: the platform figure.'
;
CREATE OR REPLACE MACRO marts.negative_dropout(eligible, next_people) AS coalesce(eligible < next_people, false)
;
COMMENT ON MACRO marts.negative_dropout IS 'More people with dose k + 1 than people due for it: the platform or the interval rule disagrees with itself (a drop-out below 0, flagged).'
;

-- Rates of stock, beds and pace, per day.
CREATE OR REPLACE MACRO marts.stock_discrepancy_pct(closing_balance, counted_on_hand) AS
    round(100.0 * (closing_balance - counted_on_hand) / nullif(counted_on_hand, 0), 2)
;
COMMENT ON MACRO marts.stock_discrepancy_pct IS 'Lệch sổ sách so với kiểm đếm: (ledger closing balance − doses counted) ÷ doses counted × 100, 2 decimals. Denominator: the doses counted in the store. Date basis: ledger date.'
;
CREATE OR REPLACE MACRO marts.days_of_stock(on_hand, administered_per_day) AS
    round(on_hand / nullif(administered_per_day, 0), 1)
;
COMMENT ON MACRO marts.days_of_stock IS 'Đủ dùng (ngày), WHO stock coverage time: usable doses on hand ÷ doses given a day over the 7 days ending on the date (trailing mean) by the stores the doses serve (a district store: itself; the province store: every district store of the province), 1 decimal; NULL when none were given. Denominator: the trailing 7-day average of doses given. Date basis: ledger date.'
;
CREATE OR REPLACE MACRO marts.days_until_full(free_beds, net_admissions_per_day) AS
    CASE WHEN net_admissions_per_day > 0 THEN round(greatest(free_beds, 0) / net_admissions_per_day, 1) END
;
COMMENT ON MACRO marts.days_until_full IS 'Đến khi đầy (ngày): free beds (0 when none are left) ÷ net admissions a day over the last 7 days, 1 decimal; NULL when the beds are not filling. Denominator: the 7-day average of net admissions. Date basis: status date.'
;
CREATE OR REPLACE MACRO marts.required_daily_pace(people_needed, days_left) AS
    CASE WHEN days_left > 0 AND people_needed > 0 THEN round(people_needed / days_left, 1) END
;
COMMENT ON MACRO marts.required_daily_pace IS 'Cần tiêm mỗi ngày: people a target still needs ÷ days left to its deadline, 1 decimal; NULL once reached or past the deadline. Denominator: days from the date to the deadline.'
;
CREATE OR REPLACE MACRO marts.reported_vs_reference_pct(reported, reference) AS
    round(100.0 * reported / nullif(reference, 0), 2)
;
COMMENT ON MACRO marts.reported_vs_reference_pct IS 'Population a district report gives ÷ the population of the reference files × 100, 2 decimals. Denominator: the reference population (đầu kỳ or hiện có).'
;

-- Vaccine allocation (the page "Phân bổ vắc xin"): the need per district × cohort × dose of a target in force.
CREATE OR REPLACE MACRO marts.allocation_need_by_deadline(population, people_vaccinated, people_blocked_by_interval,
                                                           people_needed) AS
    least(coalesce(people_needed, 0),
          greatest(0, coalesce(population, 0) - coalesce(people_vaccinated, 0)
                      - coalesce(people_blocked_by_interval, 0)))::BIGINT
;
COMMENT ON MACRO marts.allocation_need_by_deadline IS 'Nhu cầu theo hạn chỉ tiêu: of the people still needed to reach the target (people_needed of marts.deadline_status), those who can still have the dose by its deadline given the minimum interval since the previous dose: at most the people of the cohort without the dose (population under the target''s population version − people vaccinated) who are not blocked by the interval (people_blocked_by_interval). Date basis: vaccination date.'
;
CREATE OR REPLACE MACRO marts.allocation_need_eligible_now(dose, population, people_previous_dose_by_interval,
                                                           people_vaccinated, people_needed) AS
    least(coalesce(people_needed, 0),
          greatest(0, CASE WHEN dose = 1 THEN coalesce(population, 0)
                           ELSE coalesce(people_previous_dose_by_interval, 0) END
                      - coalesce(people_vaccinated, 0)))::BIGINT
;
COMMENT ON MACRO marts.allocation_need_eligible_now IS 'Nhu cầu đủ điều kiện tiêm ngay: of the people still needed to reach the target, those who may have the dose today: for dose 1 everyone of the cohort not yet vaccinated (population under the target''s population version − people with dose 1); for dose k the people who had dose k−1 at least the minimum interval ago (people with dose k−1 on the as-of date − interval) − people with dose k; never above people_needed. Date basis: vaccination date.'
;
CREATE OR REPLACE MACRO marts.allocation_urgency(deadline, as_of) AS
    round(30.0 / greatest(30, date_diff('day', as_of, deadline)), 3)
;
COMMENT ON MACRO marts.allocation_urgency IS 'Mức ưu tiên của nhu cầu: 1 for a target due within 30 days or overdue, 30 ÷ days left beyond that (0,5 due in 60 days), 3 decimals: the weight of a person left without a dose in the allocation proposal''s second objective. Date basis: as-of date.'
;
