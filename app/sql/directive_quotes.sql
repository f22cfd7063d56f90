-- The quotes on a topic that speak to a province: its own directives first, then national ones.
SELECT quote, source_document
FROM marts.directive_quotes
WHERE topic = $topic AND (provinces IS NULL OR list_contains(provinces, $province))
ORDER BY provinces IS NULL, source_document
