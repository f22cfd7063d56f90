-- grain: cohort × from_dose × effective_from; the minimum days between from_dose and to_dose, in force from effective_from
-- until the next row of the same cohort and doses (effective_until, exclusive; NULL = still in force)
-- Typed here: a targets file with no [[min_interval]] gives raw.min_intervals no row to infer types from.
SELECT cohort::VARCHAR AS cohort, from_dose::INTEGER AS from_dose, to_dose::INTEGER AS to_dose, days::INTEGER AS days,
       effective_from::DATE AS effective_from,
       lead(effective_from::DATE) OVER (PARTITION BY cohort, from_dose, to_dose ORDER BY effective_from)
           AS effective_until,
       source_document::VARCHAR AS source_document
FROM raw.min_intervals
ORDER BY cohort, from_dose, effective_from
