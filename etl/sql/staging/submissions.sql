-- grain: target_id × unit_code; the earliest submission counts
SELECT target_id, unit_code, min(submitted_on) AS submitted_on, count(*) AS submissions
FROM raw.submissions
GROUP BY ALL
