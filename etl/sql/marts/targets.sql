-- grain: target_id. deadline = the deadline in force (the last revision); original_deadline = the first one
-- (equal to deadline when never revised). provinces = the GSO codes of the provinces whose own directive set the
-- target (it applies to their units only); NULL = a national directive, every province. Source: the targets file
-- (inbox/targets/, or the shipped defaults).
SELECT t.target_id, t.kind, t.title, t.source_document, t.quote, t.cohort, t.dose::INTEGER AS dose,
       t.threshold_pct, t.population_version, t.responsible, t.deadline, t.original_deadline,
       string_split(t.provinces::VARCHAR, ',') AS provinces,
       (t.deadline <> t.original_deadline) AS revised,
       (SELECT string_agg(strftime(r.deadline, '%d/%m/%Y') || ' (' || coalesce(r.source_document, '') || ')', '; '
                          ORDER BY r.revision_no)
        FROM raw.target_revisions r WHERE r.target_id = t.target_id) AS revisions
FROM raw.targets t
ORDER BY t.deadline, t.target_id
