-- grain: vaccination_date × commune_code × cohort × dose × product; per vaccination date only the latest file containing it
WITH file_dates AS (
    SELECT DISTINCT vaccination_date, file_id FROM raw.platform
),
winner AS (
    SELECT d.vaccination_date, arg_max(d.file_id, f.received_rank) AS file_id
    FROM file_dates d JOIN staging.files f USING (file_id)
    GROUP BY d.vaccination_date
)
SELECT r.vaccination_date, r.commune_code, r.cohort, r.dose::INTEGER AS dose, r.product,
       sum(r.doses)::BIGINT AS doses_given
FROM raw.platform r
JOIN winner w USING (vaccination_date, file_id)
GROUP BY ALL
