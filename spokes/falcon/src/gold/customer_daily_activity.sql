-- Gold: one row per customer and day with money moved and web activity side by side.
CREATE SCHEMA IF NOT EXISTS IDENTIFIER(:catalog || '.falcon_gold');

CREATE OR REPLACE TABLE IDENTIFIER(:catalog || '.falcon_gold.customer_daily_activity') AS
SELECT COALESCE(t.customer_id, w.customer_id) AS customer_id,
       COALESCE(t.activity_date, w.activity_date) AS activity_date,
       COALESCE(t.txn_count, 0) AS txn_count,
       CAST(COALESCE(t.credit_amount, 0) AS DECIMAL(18,2)) AS credit_amount,
       CAST(COALESCE(t.debit_amount, 0) AS DECIMAL(18,2)) AS debit_amount,
       COALESCE(w.page_views, 0) AS page_views,
       COALESCE(w.clicks, 0) AS clicks
FROM (
  SELECT customer_id, txn_date AS activity_date, COUNT(*) AS txn_count,
         SUM(CASE WHEN txn_type = 'credit' THEN amount ELSE 0 END) AS credit_amount,
         SUM(CASE WHEN txn_type = 'debit' THEN amount ELSE 0 END) AS debit_amount
  FROM IDENTIFIER(:catalog || '.falcon_silver.transactions')
  WHERE status <> 'declined'
  GROUP BY customer_id, txn_date
) t
FULL OUTER JOIN (
  SELECT customer_id, event_date AS activity_date,
         SUM(CASE WHEN event_type = 'pageview' THEN 1 ELSE 0 END) AS page_views,
         SUM(CASE WHEN event_type = 'click' THEN 1 ELSE 0 END) AS clicks
  FROM IDENTIFIER(:catalog || '.falcon_silver.web_events')
  -- Anonymous traffic has no customer to attribute it to.
  WHERE customer_id IS NOT NULL
  GROUP BY customer_id, event_date
) w
  ON t.customer_id = w.customer_id AND t.activity_date = w.activity_date;
