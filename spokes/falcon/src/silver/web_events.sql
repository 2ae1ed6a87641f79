-- Silver web events: clickstream and page views in one table, one row per event.
CREATE SCHEMA IF NOT EXISTS IDENTIFIER(:catalog || '.falcon_silver');

CREATE OR REPLACE TABLE IDENTIFIER(:catalog || '.falcon_silver.web_events') AS
SELECT event_id, event_type, session_id, customer_id, event_ts, CAST(event_ts AS DATE) AS event_date,
       page, action, referrer, duration_ms, _source_file, _batch_id, _ingested_at
FROM (
  SELECT unioned.*,
         ROW_NUMBER() OVER (PARTITION BY event_type, event_id ORDER BY _ingested_at DESC, _source_file DESC) AS row_rank
  FROM (
    SELECT event_id, 'click' AS event_type, session_id, NULLIF(TRIM(customer_id), '') AS customer_id,
           CAST(event_ts AS TIMESTAMP) AS event_ts, LOWER(TRIM(page)) AS page, LOWER(TRIM(action)) AS action,
           CAST(NULL AS STRING) AS referrer, CAST(NULL AS INT) AS duration_ms, _source_file, _batch_id, _ingested_at
    FROM IDENTIFIER(:catalog || '.falcon_bronze.clickstream_raw')
    UNION ALL
    SELECT event_id, 'pageview' AS event_type, session_id, NULLIF(TRIM(customer_id), '') AS customer_id,
           CAST(event_ts AS TIMESTAMP) AS event_ts, LOWER(TRIM(page)) AS page, 'view' AS action,
           LOWER(TRIM(referrer)) AS referrer, CAST(duration_ms AS INT) AS duration_ms, _source_file, _batch_id, _ingested_at
    FROM IDENTIFIER(:catalog || '.falcon_bronze.pageview_raw')
  ) unioned
  WHERE event_id IS NOT NULL AND event_ts IS NOT NULL
) ranked
WHERE row_rank = 1;
