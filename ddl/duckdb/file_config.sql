-- The spokes' config rows, upserted by every bronze run (one MERGE per run).
-- DuckDB: config_id is generated in the MERGE, as on Delta.
CREATE TABLE IF NOT EXISTS {catalog}.bronze_metadata.file_config (
    config_id         VARCHAR         NOT NULL,
    lob               VARCHAR         NOT NULL,
    category          VARCHAR         NOT NULL,
    subcategory       VARCHAR         NOT NULL,
    file_pattern      VARCHAR         NOT NULL,
    source_path       VARCHAR         NOT NULL,
    file_format       VARCHAR         NOT NULL,
    delimiter         VARCHAR,
    has_header        BOOLEAN,
    dest_catalog      VARCHAR         NOT NULL,
    dest_schema       VARCHAR         NOT NULL,
    dest_table        VARCHAR         NOT NULL,
    is_active         BOOLEAN        DEFAULT true,
    updated_ts        TIMESTAMP      DEFAULT current_timestamp
);
