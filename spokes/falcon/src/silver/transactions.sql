-- Silver transactions: credit and debit in one typed table, one row per transaction.
-- A transaction re-sent in a later file keeps only its latest version (latest load, then latest file).
CREATE SCHEMA IF NOT EXISTS IDENTIFIER(:catalog || '.falcon_silver');

CREATE OR REPLACE TABLE IDENTIFIER(:catalog || '.falcon_silver.transactions') AS
SELECT transaction_id, txn_type, account_id, customer_id, txn_ts, CAST(txn_ts AS DATE) AS txn_date,
       amount, currency, merchant, status, _source_file, _batch_id, _ingested_at
FROM (
  SELECT typed.*,
         ROW_NUMBER() OVER (PARTITION BY txn_type, transaction_id ORDER BY _ingested_at DESC, _source_file DESC) AS row_rank
  FROM (
    SELECT TRIM(transaction_id) AS transaction_id, 'credit' AS txn_type, TRIM(account_id) AS account_id,
           TRIM(customer_id) AS customer_id, TRY_CAST(TRIM(txn_ts) AS TIMESTAMP) AS txn_ts,
           TRY_CAST(TRIM(amount) AS DECIMAL(18,2)) AS amount, UPPER(TRIM(currency)) AS currency,
           TRIM(merchant) AS merchant, LOWER(TRIM(status)) AS status, _source_file, _batch_id, _ingested_at
    FROM IDENTIFIER(:catalog || '.falcon_bronze.credit_transactions_raw')
    UNION ALL
    SELECT TRIM(transaction_id) AS transaction_id, 'debit' AS txn_type, TRIM(account_id) AS account_id,
           TRIM(customer_id) AS customer_id, TRY_CAST(TRIM(txn_ts) AS TIMESTAMP) AS txn_ts,
           TRY_CAST(TRIM(amount) AS DECIMAL(18,2)) AS amount, UPPER(TRIM(currency)) AS currency,
           TRIM(merchant) AS merchant, LOWER(TRIM(status)) AS status, _source_file, _batch_id, _ingested_at
    FROM IDENTIFIER(:catalog || '.falcon_bronze.debit_transactions_raw')
  ) typed
  -- Rows that cannot be typed stay in bronze for inspection; silver holds only usable ones.
  WHERE transaction_id IS NOT NULL AND transaction_id <> '' AND txn_ts IS NOT NULL AND amount IS NOT NULL
) ranked
WHERE row_rank = 1;
