-- One row per destination table being loaded: stops two runs from loading the same files.
CREATE TABLE IF NOT EXISTS {catalog}.bronze_metadata.load_lease (
    dest_table        VARCHAR         NOT NULL,
    run_id            VARCHAR         NOT NULL,
    acquired_at       TIMESTAMP      NOT NULL,
    expires_at        TIMESTAMP      NOT NULL,
    -- Who holds it, as host:pid (added by a later hub: nullable, last).
    holder            VARCHAR
);
