-- Every run gets its PIPELINE_RUNS row, a failed one too: the state that failed is kept beside its error.
-- IF NOT EXISTS keeps a second run of it safe; sqlfluff's Snowflake grammar lacks that form of ADD COLUMN.
alter table analytics.pipeline_runs add column if not exists failed_step varchar; -- noqa: PRS
