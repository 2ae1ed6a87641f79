-- Downstream: the flat, export-shaped table handed to consumers (one row per customer and day).
CREATE SCHEMA IF NOT EXISTS IDENTIFIER(:catalog || '.falcon_downstream');

CREATE OR REPLACE TABLE IDENTIFIER(:catalog || '.falcon_downstream.customer_daily_export') AS
SELECT activity_date AS export_date,
       customer_id,
       txn_count,
       CAST(credit_amount + debit_amount AS DECIMAL(18,2)) AS total_amount,
       page_views,
       clicks,
       CASE
         WHEN txn_count > 0 AND page_views + clicks > 0 THEN 'transacting_online'
         WHEN txn_count > 0 THEN 'transacting'
         ELSE 'browsing'
       END AS engagement
FROM IDENTIFIER(:catalog || '.falcon_gold.customer_daily_activity');
