-- one row per vaccine product with an approval in the targets file (marts.vaccine_approvals): the cohorts and doses
-- it may be given for, doses per vial, the document
SELECT product, cohorts, doses, doses_per_vial, source_document, note
FROM marts.vaccine_approvals
ORDER BY product
