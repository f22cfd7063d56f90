-- grain: product. Which cohorts and doses a vaccine product may be given for, its doses per vial and the document that
-- says so: the rules the allocation proposal obeys. Source: the targets file ([[approval]]; inbox/targets/ or the
-- shipped defaults). Typed here: a targets file with no [[approval]] gives raw.vaccine_approvals no row to infer from.
SELECT product::VARCHAR AS product,
       string_split(cohorts::VARCHAR, ',') AS cohorts,
       string_split(doses::VARCHAR, ',')::INTEGER[] AS doses,
       doses_per_vial::INTEGER AS doses_per_vial,
       source_document::VARCHAR AS source_document,
       note::VARCHAR AS note
FROM raw.vaccine_approvals
ORDER BY product
