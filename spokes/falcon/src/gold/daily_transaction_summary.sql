-- Gold: per day and transaction type, what was settled or pending (declined transactions moved no money).
CREATE SCHEMA IF NOT EXISTS IDENTIFIER(:catalog || '.falcon_gold');

CREATE OR REPLACE TABLE IDENTIFIER(:catalog || '.falcon_gold.daily_transaction_summary') AS
SELECT txn_date,
       txn_type,
       COUNT(*) AS txn_count,
       CAST(SUM(amount) AS DECIMAL(18,2)) AS total_amount,
       CAST(AVG(amount) AS DECIMAL(18,2)) AS avg_amount,
       COUNT(DISTINCT customer_id) AS customer_count
FROM IDENTIFIER(:catalog || '.falcon_silver.transactions')
WHERE status <> 'declined'
GROUP BY txn_date, txn_type;
