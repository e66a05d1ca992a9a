-- How old each table's newest data is, against the table's own limit (its freshness check's
-- max_hours, written with each published batch: 6 h for the event APIs). Evaluated when read.
-- The limit is the latest published batch's (the largest, if two share that time): a ranked
-- subquery rather than max_by, which PostgreSQL lacks.
create or replace view analytics.vw_data_freshness as
select
    f.source,
    f.table_name,
    f.last_extracted_at,
    f.last_published_at,
    f.event_age_minutes,
    f.stale_after_hours,
    case
        when f.event_age_minutes > f.stale_after_hours * 60 then 'STALE' else 'FRESH'
    end as freshness_status
from (
    select
        loads.source,
        loads.table_name,
        max(loads.newest_extracted_at) as last_extracted_at,
        max(loads.published_at) as last_published_at,
        datediff('minute', max(loads.newest_extracted_at), current_timestamp) as event_age_minutes,
        max(
            case when loads.published_at = loads.latest_published_at then loads.stale_after_hours end
        ) as stale_after_hours
    from (
        select
            source,
            table_name,
            newest_extracted_at,
            published_at,
            stale_after_hours,
            max(published_at) over (partition by source, table_name) as latest_published_at
        from analytics.table_loads
    ) as loads
    group by loads.source, loads.table_name
) as f;
