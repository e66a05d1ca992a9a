-- One row per table per published batch, written by the quality step in the transaction that
-- publishes it: what ANALYTICS' daily counts and freshness are built from. Types DuckDB reads too.
create table if not exists analytics.table_loads (
    batch_id varchar not null,
    logical_date date not null,
    source varchar not null,
    table_name varchar not null,
    records bigint not null,
    newest_extracted_at timestamptz,
    published_at timestamptz not null,
    stale_after_hours double not null
);
