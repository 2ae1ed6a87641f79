-- The spokes' config rows, upserted by every bronze run (one MERGE per run).
-- Delta: config_id is generated in the MERGE (uuid() is not allowed in a generated column);
-- column defaults need the allowColumnDefaults table feature.
CREATE TABLE IF NOT EXISTS {catalog}.bronze_metadata.file_config (
    config_id         STRING         NOT NULL,
    lob               STRING         NOT NULL,
    category          STRING         NOT NULL,
    subcategory       STRING         NOT NULL,
    file_pattern      STRING         NOT NULL,
    source_path       STRING         NOT NULL,
    file_format       STRING         NOT NULL,
    delimiter         STRING,
    has_header        BOOLEAN,
    dest_catalog      STRING         NOT NULL,
    dest_schema       STRING         NOT NULL,
    dest_table        STRING         NOT NULL,
    is_active         BOOLEAN        DEFAULT true,
    updated_ts        TIMESTAMP      DEFAULT current_timestamp()
) USING DELTA
TBLPROPERTIES ('delta.feature.allowColumnDefaults' = 'supported');
