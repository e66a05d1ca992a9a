-- How old each table's newest data is, against the table's own limit (its freshness check's
-- max_hours, written with each published batch: 6 h for the event APIs). Evaluated when read.
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
        source,
        table_name,
        max(newest_extracted_at) as last_extracted_at,
        max(published_at) as last_published_at,
        datediff('minute', max(newest_extracted_at), current_timestamp) as event_age_minutes,
        max_by(stale_after_hours, published_at) as stale_after_hours
    from analytics.table_loads
    group by source, table_name
) as f;
