-- grain: status_date × unit_code × tier_group, as marts.facility_load_daily (all its columns, then the outlook). Date
-- basis: status date. Quotas follow the register on every date: a facility counts from its opening date and has no
-- quota from its closing date (marts.facility_daily). net_admissions = admissions − discharges − referred_up, the
-- patients in minus the patients out (a patient referred up leaves the bed too: with consistent figures this is the
-- day's change in occupied); NULL when no facility reported. net_admissions_7d_avg = the trailing mean of
-- net_admissions over the reported days among the 7 days ending on the date. free_beds = beds_ready − occupied
-- (negative: more patients than beds ready). days_until_full = free beds (0 when none are left) ÷
-- net_admissions_7d_avg when that is above 0; NULL = not filling. Escalation against the assigned quota is
-- `escalation` (marts.facility_escalation: near_quota from 0.8, over_quota above 1, over_2x above 2). Capacity against double the
-- quota (seed 002 §3, "lên gấp đôi so với định mức được giao"): beds_ready_pct_of_2x_quota = beds_ready ÷ quota_x2
-- × 100, beds_ready_below_2x_quota = beds_ready < quota_x2 (NULL without a quota or a report).
WITH flows AS (
    SELECT l.*,
           l.admissions - l.discharges - l.referred_up AS net_admissions,
           avg(l.admissions - l.discharges - l.referred_up) OVER (
               PARTITION BY l.unit_code, l.tier_group ORDER BY l.status_date
               RANGE BETWEEN INTERVAL 6 DAYS PRECEDING AND CURRENT ROW) AS net_7d
    FROM marts.facility_load_daily l
)
SELECT f.* EXCLUDE (net_admissions, net_7d),
       f.net_admissions::BIGINT AS net_admissions,
       round(f.net_7d, 2)::DOUBLE AS net_admissions_7d_avg,
       (f.beds_ready - f.occupied)::BIGINT AS free_beds,
       marts.days_until_full(f.beds_ready - f.occupied, f.net_7d)::DOUBLE AS days_until_full,
       marts.share_pct(f.beds_ready, f.quota_x2)::DOUBLE AS beds_ready_pct_of_2x_quota,
       CASE WHEN f.bed_quota > 0 THEN f.beds_ready < f.quota_x2 END AS beds_ready_below_2x_quota
FROM flows f
ORDER BY f.status_date, f.unit_level DESC, f.unit_code, f.tier_group
