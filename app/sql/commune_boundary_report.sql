-- one row: how the snapshot's commune boundary file was read (file, CRS and shift, communes drawn, what was missing,
-- unmatched, refused or repaired), for whole-province viewers only (app.mapdata.boundary_report: the lists name
-- communes of every district)
SELECT file_name, illustrative, crs, crs_from, transformation, communes_with_shape, missing, unmatched, refused,
       repaired, missing_reason
FROM ref.commune_geo_source
