-- grain: as_of_date × target_id × unit_level × unit_code, for every coverage target, the province and each district,
-- every date of marts.coverage. Date basis: vaccination date. A target of a province's own directive (marts.targets
-- provinces) has rows for that province's units only. Every figure is seen from the row's as_of_date: nothing after
-- it is used.
-- achieved_pct, people_vaccinated = coverage on the as-of date, or on the deadline once it has passed (eval_date),
-- under the target's population version. status: met (target people reached by the deadline), missed (deadline
-- passed, not reached by it: stays missed after the unit reaches the target later), on_track (trailing 7-day pace ×
-- days left ≥ people needed, i.e. projected_date ≤ deadline), at_risk (otherwise, or when the people who can still be
-- reached are too few: max_achievable_pct < threshold_pct, whatever the pace).
-- status_reason, the rule that gave the status: reached_by_deadline (met); reached_after_deadline, still_short
-- (missed); beyond_reach (at_risk: max_achievable_pct < threshold_pct, checked first, so a projection before the
-- deadline can still be at risk), no_recent_doses (at_risk: nobody vaccinated in the last 7 days), pace_too_slow
-- (at_risk: projected_date after the deadline); pace_enough (on_track).
-- met_on: first date at or above the target, on or before the deadline (met rows only).
-- reached_date: missed rows only, the first date after the deadline at or above the target, up to the as-of date;
-- NULL while still short. days_late: missed rows only, reached_date − deadline, or as-of date − deadline while still
-- short (0 on the deadline itself).
-- people_needed: the shortfall NOW, ceil(threshold × population ÷ 100) − people vaccinated on the as-of date, never
-- below 0; 0 once met or reached. people_short_at_deadline: the shortfall on the deadline (NULL before it; 0 if met).
-- people_contraindicated and people_deferred come from the latest
-- district report (people aged 12+ with no dose) and are NULL for 5–11 targets.
-- people_blocked_by_interval: people without dose k who cannot have it by the deadline because the minimum interval
-- since dose k−1 (marts.min_intervals, the interval in force on each day) cannot pass in time: those whose dose k−1
-- came after last_eligible_prev_date, and, once that date is behind the as-of date, everyone still without dose k−1.
-- projected_date: only while still short (people_needed > 0), before or after the deadline: as-of date +
-- people_needed ÷ trailing 7-day pace (linear; NULL at pace 0); projected_date_low/high use the fastest and the
-- slowest of the last four weekly paces (high is NULL when a week had no doses). NULL once met or reached.
WITH targets AS (
    SELECT * FROM marts.targets WHERE kind = 'coverage'
),
series AS (
    SELECT as_of_date, unit_code, unit_level, district_code, province_code, cohort, dose, people_vaccinated AS pv,
           population_start, population_current,
           coalesce(lag(people_vaccinated, 7) OVER w, 0) AS pv_7,
           coalesce(lag(people_vaccinated, 14) OVER w, 0) AS pv_14,
           coalesce(lag(people_vaccinated, 21) OVER w, 0) AS pv_21,
           coalesce(lag(people_vaccinated, 28) OVER w, 0) AS pv_28
    FROM marts.coverage_district d
    -- only the series a target reads (whole series, so the lags are the same): a third of a national build's rows
    WHERE EXISTS (SELECT 1 FROM targets t WHERE t.cohort = d.cohort AND t.dose = d.dose)
    WINDOW w AS (PARTITION BY unit_code, cohort, dose ORDER BY as_of_date)
),
bounds AS (SELECT min(as_of_date) AS d0, max(as_of_date) AS d1 FROM marts.coverage_district),
-- the latest date a dose k−1 can be given and still allow dose k by the deadline, seen from each as-of date:
-- the interval is piecewise constant, so the best day to give dose k is the last day of a piece (or the deadline)
pieces AS (
    SELECT t.target_id, t.deadline, i.effective_from, i.days,
           least(coalesce(i.effective_until - 1, t.deadline), t.deadline) AS piece_end
    FROM targets t
    JOIN marts.min_intervals i ON i.cohort = t.cohort AND i.to_dose = t.dose AND i.from_dose = t.dose - 1
    WHERE i.effective_from <= t.deadline
),
base AS (
    SELECT s.as_of_date, t.target_id, s.unit_level, s.unit_code, s.district_code, t.cohort, t.dose,
           t.deadline, t.original_deadline, t.threshold_pct, t.population_version,
           CASE t.population_version WHEN 'current' THEN s.population_current ELSE s.population_start END AS population,
           s.pv, s.pv_7, s.pv_14, s.pv_21, s.pv_28,
           least(s.as_of_date, t.deadline) AS eval_date
    FROM series s JOIN targets t ON t.cohort = s.cohort AND t.dose = s.dose
    -- a province's own directive binds its units only
    WHERE t.provinces IS NULL OR list_contains(t.provinces, s.province_code)
),
with_goal AS (
    SELECT b.*, marts.target_people(b.threshold_pct, b.population) AS target_people,
           (SELECT max(p.piece_end - p.days::INTEGER) FROM pieces p
             WHERE p.target_id = b.target_id AND p.piece_end >= b.as_of_date) AS last_eligible_prev_date,
           EXISTS (SELECT 1 FROM pieces p WHERE p.target_id = b.target_id) AS has_interval
    FROM base b
),
met AS (
    SELECT target_id, unit_code, min(as_of_date) AS met_on
    FROM with_goal WHERE pv >= target_people AND as_of_date <= deadline
    GROUP BY ALL
),
-- the first date after a missed deadline at or above the target (pages keep only those up to the row's as-of date)
reached AS (
    SELECT target_id, unit_code, min(as_of_date) AS reached_on
    FROM with_goal WHERE pv >= target_people AND as_of_date > deadline
    GROUP BY ALL
),
looked_up AS (
    SELECT g.*,
           coalesce(at_eval.people_vaccinated, CASE WHEN g.eval_date < (SELECT d0 FROM bounds) THEN 0 END) AS pv_eval,
           coalesce(prev_now.people_vaccinated, 0) AS pv_prev_now,
           CASE WHEN g.last_eligible_prev_date < (SELECT d0 FROM bounds) THEN 0
                ELSE prev_last.people_vaccinated END AS pv_prev_last,
           u.contraindicated, u.deferred
    FROM with_goal g
    LEFT JOIN marts.coverage_district at_eval
           ON at_eval.unit_code = g.unit_code AND at_eval.cohort = g.cohort AND at_eval.dose = g.dose
          AND at_eval.as_of_date = g.eval_date
    LEFT JOIN marts.coverage_district prev_now
           ON prev_now.unit_code = g.unit_code AND prev_now.cohort = g.cohort AND prev_now.dose = g.dose - 1
          AND prev_now.as_of_date = g.as_of_date
    LEFT JOIN marts.coverage_district prev_last
           ON prev_last.unit_code = g.unit_code AND prev_last.cohort = g.cohort AND prev_last.dose = g.dose - 1
          AND prev_last.as_of_date = g.last_eligible_prev_date
    ASOF LEFT JOIN (SELECT unit_code, report_date, contraindicated, deferred FROM marts.unvaccinated) u
           ON u.unit_code = g.unit_code AND u.report_date <= g.as_of_date
),
measured AS (
    SELECT l.*,
           greatest(l.target_people - l.pv_eval, 0) AS people_needed,
           (l.deadline - l.as_of_date) AS days_left,
           (l.pv - l.pv_7) / 7.0 AS trailing_7d_pace,
           greatest((l.pv - l.pv_7), (l.pv_7 - l.pv_14), (l.pv_14 - l.pv_21), (l.pv_21 - l.pv_28)) / 7.0 AS fastest_week_pace,
           least((l.pv - l.pv_7), (l.pv_7 - l.pv_14), (l.pv_14 - l.pv_21), (l.pv_21 - l.pv_28)) / 7.0 AS slowest_week_pace,
           CASE WHEN l.dose = 1 OR NOT l.has_interval OR l.as_of_date >= l.deadline THEN 0
                WHEN l.last_eligible_prev_date >= l.as_of_date THEN 0
                ELSE greatest(l.population - greatest(l.pv, coalesce(l.pv_prev_last, l.pv_prev_now)), 0)
           END AS people_blocked_by_interval
    FROM looked_up l
),
judged AS (
    SELECT m.*, met.met_on AS first_met_on,
           CASE WHEN m.pv_eval < m.target_people AND m.as_of_date >= m.deadline AND r.reached_on <= m.as_of_date
                THEN r.reached_on END AS reached_date,
           CASE WHEN m.pv_eval >= m.target_people THEN 'met'
                WHEN m.as_of_date >= m.deadline THEN 'missed'
                WHEN marts.coverage_pct_by_vaccination_date(m.population - m.people_blocked_by_interval, m.population)
                     < m.threshold_pct
                    THEN 'at_risk'
                WHEN m.trailing_7d_pace * m.days_left >= m.people_needed THEN 'on_track'
                ELSE 'at_risk' END AS status
    FROM measured m
    LEFT JOIN met ON met.target_id = m.target_id AND met.unit_code = m.unit_code
    LEFT JOIN reached r ON r.target_id = m.target_id AND r.unit_code = m.unit_code
),
current_need AS (
    SELECT j.*,
           CASE WHEN j.status = 'met' OR j.reached_date IS NOT NULL THEN 0
                ELSE greatest(j.target_people - j.pv, 0) END AS needed_now
    FROM judged j
)
SELECT m.as_of_date, m.target_id, m.unit_level, m.unit_code, m.district_code, m.cohort, m.dose,
       m.deadline, m.original_deadline, m.threshold_pct, m.population_version, m.population, m.target_people,
       m.eval_date, m.pv_eval AS people_vaccinated,
       marts.coverage_pct_by_vaccination_date(m.pv_eval, m.population) AS achieved_pct,
       m.status,
       CASE WHEN m.status = 'met' THEN 'reached_by_deadline'
            WHEN m.status = 'missed' AND m.reached_date IS NOT NULL THEN 'reached_after_deadline'
            WHEN m.status = 'missed' THEN 'still_short'
            WHEN m.status = 'on_track' THEN 'pace_enough'
            WHEN marts.coverage_pct_by_vaccination_date(m.population - m.people_blocked_by_interval, m.population)
                     < m.threshold_pct
                THEN 'beyond_reach'
            WHEN coalesce(m.trailing_7d_pace, 0) <= 0 THEN 'no_recent_doses'
            ELSE 'pace_too_slow' END AS status_reason,
       CASE WHEN m.status = 'met' THEN m.first_met_on END AS met_on,
       m.reached_date,
       CASE WHEN m.status = 'missed' THEN (coalesce(m.reached_date, m.as_of_date) - m.deadline)::INTEGER END AS days_late,
       m.needed_now::BIGINT AS people_needed,
       CASE WHEN m.as_of_date >= m.deadline THEN m.people_needed END::BIGINT AS people_short_at_deadline,
       m.people_blocked_by_interval::BIGINT AS people_blocked_by_interval,
       m.last_eligible_prev_date,
       marts.coverage_pct_by_vaccination_date(m.population - m.people_blocked_by_interval, m.population)
           AS max_achievable_pct,
       -- the figures are frozen on the deadline once it has passed
       m.eval_date >= m.deadline AS deadline_passed,
       marts.coverage_pct_by_vaccination_date(m.population - m.people_blocked_by_interval, m.population)
           < m.threshold_pct AS beyond_reach,
       -- the report form counts the unvaccinated aged 12 and over: they say nothing about 5–11 targets
       CASE WHEN m.cohort <> '5-11' THEN m.contraindicated END::BIGINT AS people_contraindicated,
       CASE WHEN m.cohort <> '5-11' THEN m.deferred END::BIGINT AS people_deferred,
       m.days_left::INTEGER AS days_left,
       marts.required_daily_pace(m.needed_now, m.days_left)
           AS required_daily_pace,
       round(m.trailing_7d_pace, 1) AS trailing_7d_pace,
       CASE WHEN m.needed_now > 0 AND m.trailing_7d_pace > 0
            THEN m.as_of_date + ceil(m.needed_now / m.trailing_7d_pace)::INTEGER END AS projected_date,
       CASE WHEN m.needed_now > 0 AND m.fastest_week_pace > 0
            THEN m.as_of_date + ceil(m.needed_now / m.fastest_week_pace)::INTEGER END AS projected_date_low,
       CASE WHEN m.needed_now > 0 AND m.slowest_week_pace > 0
            THEN m.as_of_date + ceil(m.needed_now / m.slowest_week_pace)::INTEGER END AS projected_date_high
FROM current_need m
ORDER BY m.as_of_date, m.target_id, m.unit_level DESC, m.unit_code
