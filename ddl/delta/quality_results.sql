-- One row per quality check per run (hub-quality): a dataset-level failure is one row here, never copied onto data rows.
CREATE TABLE IF NOT EXISTS {catalog}.bronze_metadata.quality_results (
    run_id            STRING         NOT NULL,
    checked_at        TIMESTAMP      NOT NULL,
    table_name        STRING         NOT NULL,
    check_name        STRING         NOT NULL,
    check_kind        STRING         NOT NULL,
    criticality       STRING         NOT NULL,
    on_fail           STRING         NOT NULL,
    batch_id          STRING,
    rows_evaluated    BIGINT,
    rows_failed       BIGINT,
    rows_quarantined  BIGINT,
    passed            BOOLEAN        NOT NULL,
    message           STRING,
    sample            STRING,
    duration_ms       BIGINT
) USING DELTA;
