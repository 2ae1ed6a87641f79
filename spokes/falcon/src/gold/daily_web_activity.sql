-- Gold: per day and event type, how much traffic and from how many sessions and known customers.
CREATE SCHEMA IF NOT EXISTS IDENTIFIER(:catalog || '.falcon_gold');

CREATE OR REPLACE TABLE IDENTIFIER(:catalog || '.falcon_gold.daily_web_activity') AS
SELECT event_date,
       event_type,
       COUNT(*) AS event_count,
       COUNT(DISTINCT session_id) AS session_count,
       COUNT(DISTINCT customer_id) AS customer_count,
       CAST(AVG(duration_ms) AS DECIMAL(18,2)) AS avg_duration_ms
FROM IDENTIFIER(:catalog || '.falcon_silver.web_events')
GROUP BY event_date, event_type;
