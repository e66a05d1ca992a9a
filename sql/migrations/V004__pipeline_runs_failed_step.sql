-- Every run gets its PIPELINE_RUNS row, a failed one too: the state that failed is kept beside its error.
alter table analytics.pipeline_runs add column if not exists failed_step varchar;
