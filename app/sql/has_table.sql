-- whether the snapshot has table $schema.$table (a snapshot built before it existed has not)
SELECT count(*) AS n FROM duckdb_tables() WHERE schema_name = $schema AND table_name = $table
