-- One row per file per load attempt; the index over the bronze rows (the ledger).
CREATE TABLE IF NOT EXISTS {catalog}.bronze_metadata.load_tracker (
    tracker_id        STRING         NOT NULL,
    lob               STRING,
    category          STRING,
    subcategory       STRING,
    file_name         STRING,
    source_path       STRING,
    dest_table        STRING,
    load_status       STRING,
    load_timestamp    TIMESTAMP      DEFAULT current_timestamp(),
    batch_id          STRING,
    row_count         BIGINT,
    file_path         STRING,
    file_size         BIGINT,
    modification_time TIMESTAMP,
    file_date         DATE,
    error_message     STRING,
    started_at        TIMESTAMP,
    finished_at       TIMESTAMP,
    -- The @org/deltalake-hub version that wrote the row; applyDdl adds it to tables created before it existed.
    hub_version       STRING
) USING DELTA
TBLPROPERTIES ('delta.feature.allowColumnDefaults' = 'supported');
