-- One row per file per load attempt; the index over the bronze rows (the ledger).
CREATE TABLE IF NOT EXISTS {catalog}.bronze_metadata.load_tracker (
    tracker_id        VARCHAR         NOT NULL,
    lob               VARCHAR,
    category          VARCHAR,
    subcategory       VARCHAR,
    file_name         VARCHAR,
    source_path       VARCHAR,
    dest_table        VARCHAR,
    load_status       VARCHAR,
    load_timestamp    TIMESTAMP      DEFAULT current_timestamp,
    batch_id          VARCHAR,
    row_count         BIGINT,
    file_path         VARCHAR,
    file_size         BIGINT,
    modification_time TIMESTAMP,
    file_date         DATE,
    error_message     VARCHAR,
    started_at        TIMESTAMP,
    finished_at       TIMESTAMP,
    -- The @org/deltalake-hub version that wrote the row; applyDdl adds it to tables created before it existed.
    hub_version       VARCHAR
);
