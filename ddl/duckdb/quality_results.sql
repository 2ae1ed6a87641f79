-- One row per quality check per run (hub-quality): a dataset-level failure is one row here, never copied onto data rows.
CREATE TABLE IF NOT EXISTS {catalog}.bronze_metadata.quality_results (
    run_id            VARCHAR        NOT NULL,
    checked_at        TIMESTAMP      NOT NULL,
    table_name        VARCHAR        NOT NULL,
    check_name        VARCHAR        NOT NULL,
    check_kind        VARCHAR        NOT NULL,
    criticality       VARCHAR        NOT NULL,
    on_fail           VARCHAR        NOT NULL,
    batch_id          VARCHAR,
    rows_evaluated    BIGINT,
    rows_failed       BIGINT,
    rows_quarantined  BIGINT,
    passed            BOOLEAN        NOT NULL,
    message           VARCHAR,
    sample            VARCHAR,
    duration_ms       BIGINT
);
