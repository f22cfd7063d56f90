-- grain: one row per quote of the targets file: the wording of a directive that a page quotes on a topic
-- (care_access: no F0 left without care, medicine or monitoring). provinces = the provinces whose own directive it
-- is (it is shown to them only); NULL = a national directive, shown to every province.
SELECT topic::VARCHAR AS topic, quote::VARCHAR AS quote, source_document::VARCHAR AS source_document,
       string_split(provinces::VARCHAR, ',') AS provinces
FROM raw.directive_quotes
