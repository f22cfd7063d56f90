-- grain: cohort × from_dose × effective_from; the minimum days between from_dose and to_dose, in force from effective_from
-- until the next row of the same cohort and doses (effective_until, exclusive; NULL = still in force)
SELECT cohort, from_dose, to_dose, days, effective_from,
       lead(effective_from) OVER (PARTITION BY cohort, from_dose, to_dose ORDER BY effective_from) AS effective_until,
       source_document
FROM raw.min_intervals
ORDER BY cohort, from_dose, effective_from
