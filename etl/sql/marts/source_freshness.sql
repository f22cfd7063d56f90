-- grain: source. The latest date each source's data speaks of, and when its latest file arrived.
WITH latest AS (
    SELECT 'platform' AS source, max(vaccination_date) AS latest_data_date FROM staging.platform_daily
    UNION ALL SELECT 'district_reports', max(report_date) FROM staging.district_reports
    UNION ALL SELECT 'cases', max(report_date) FROM staging.cases
    UNION ALL SELECT 'facility_status', max(status_date) FROM staging.facility_status
    UNION ALL SELECT 'community_care', max(status_date) FROM staging.community_care
    UNION ALL SELECT 'duty_checks', max(checked_at)::DATE FROM staging.duty_checks
    UNION ALL SELECT 'stock', max(ledger_date) FROM staging.stock
    UNION ALL SELECT 'submissions', max(submitted_on) FROM raw.submissions
),
files AS (
    SELECT source, count(*) AS files, max(received_at) AS latest_received_at FROM meta.files GROUP BY source
)
SELECT coalesce(l.source, f.source) AS source, l.latest_data_date, f.latest_received_at, coalesce(f.files, 0)::INTEGER AS files
FROM latest l FULL JOIN files f USING (source)
ORDER BY 1
