-- One row per pipeline run (written by the state machine), and one per data-quality check per run.
create table if not exists analytics.pipeline_runs (
    batch_id varchar not null primary key,
    logical_date date not null,
    status varchar not null,
    started_at timestamp_tz not null,
    finished_at timestamp_tz,
    duration_seconds float,
    resources integer,
    extracted number(38, 0),
    valid number(38, 0),
    rejected number(38, 0),
    error varchar
);

create table if not exists analytics.dq_check_results (
    batch_id varchar not null,
    table_name varchar not null,
    check_name varchar not null,
    severity varchar not null,
    status varchar not null,
    metric_value float,
    threshold varchar,
    failing_keys varchar,
    checked_at timestamp_tz not null
);
