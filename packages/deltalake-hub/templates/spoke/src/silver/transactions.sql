-- Silver: one typed row per bronze row. Bronze CSV columns are all strings; type them here
-- (TRY_CAST, CAST(... AS DECIMAL(18,2)), TRIM/UPPER) once the feed's columns are known.
-- Portable SQL only: it runs on DuckDB, Spark + Delta and Databricks through runSqlFiles.
CREATE SCHEMA IF NOT EXISTS IDENTIFIER(:catalog || '.__LOB___silver');

CREATE OR REPLACE TABLE IDENTIFIER(:catalog || '.__LOB___silver.transactions') AS
SELECT *, CAST(_ingested_at AS DATE) AS ingested_date
FROM IDENTIFIER(:catalog || '.__LOB___bronze.transactions_raw');
