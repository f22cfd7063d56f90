-- one row: whether the snapshot's commune boundaries were made for a demo (illustrative), and why there are none;
-- no unit rows (the file's name stays with the data officers: the quality page). A snapshot built before commune
-- boundaries existed has no such table (app.mapdata)
SELECT illustrative, missing_reason FROM ref.commune_geo_source
