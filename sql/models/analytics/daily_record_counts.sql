-- Records each table received and published per day, over all of that day's runs (a table that is
-- re-read whole counts again each run). analytics.table_loads gets a row per table as a batch is
-- published.
create or replace table analytics.daily_record_counts as
select
    source,
    table_name,
    logical_date,
    sum(records)::bigint as records,
    count(*) as batches
from analytics.table_loads
group by source, table_name, logical_date
order by logical_date, source, table_name;
