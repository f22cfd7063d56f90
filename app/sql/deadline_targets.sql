-- one row per coverage target (marts.targets, kind 'coverage'): title, source document, quote, threshold, deadline
-- in force and the original one; deadlines still ahead of the as-of date first (the nearest first), then those
-- passed (the latest first). Targets are province-wide facts: every district of the
-- scope is judged against the same ones (list_contains($scope, …) only narrows the count of districts judged). A
-- target set by a province's own directive (provinces) is listed only when a district in scope belongs to it.
SELECT t.target_id, t.title, t.source_document, t.quote, t.cohort, t.dose, t.threshold_pct, t.population_version,
       t.deadline, t.original_deadline, t.revised, t.revisions,
       (SELECT count(*) FROM marts.units u WHERE u.unit_level = 'district' AND list_contains($scope, u.unit_code))
           AS districts_in_scope
FROM marts.targets t
WHERE t.kind = 'coverage'
  AND (t.provinces IS NULL
       OR EXISTS (SELECT 1 FROM marts.units u WHERE u.unit_level = 'district' AND list_contains($scope, u.unit_code)
                                                AND list_contains(t.provinces, u.province_code)))
ORDER BY t.deadline < $as_of, CASE WHEN t.deadline >= $as_of THEN t.deadline END,
         CASE WHEN t.deadline < $as_of THEN t.deadline END DESC,
         t.target_id
