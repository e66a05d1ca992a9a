-- Events per day (UTC) and type from both event APIs, with the users behind them.
create or replace view analytics.vw_daily_event_counts as
select
    e.occurred_at::date as event_date,
    e.source,
    e.type as event_type,
    count(*) as events,
    count(distinct e.user_id) as users
from (
    select
        'events_oauth' as source,
        type,
        user_id,
        occurred_at
    from clean.events_oauth__events
    union all
    select
        'events_apikey' as source,
        type,
        user_id,
        occurred_at
    from clean.events_apikey__events
) as e
group by e.occurred_at::date, e.source, e.type;
