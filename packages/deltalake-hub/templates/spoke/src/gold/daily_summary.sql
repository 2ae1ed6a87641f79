-- Gold: rows per day and source file, a starting point for the LOB's real aggregates.
CREATE SCHEMA IF NOT EXISTS IDENTIFIER(:catalog || '.__LOB___gold');

CREATE OR REPLACE TABLE IDENTIFIER(:catalog || '.__LOB___gold.daily_summary') AS
SELECT ingested_date, _source_file, COUNT(*) AS row_count
FROM IDENTIFIER(:catalog || '.__LOB___silver.transactions')
GROUP BY ingested_date, _source_file;
