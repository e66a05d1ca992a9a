-- Events per day (UTC) and type from both event APIs, with the users behind them.
create or replace view analytics.vw_daily_event_counts as
select
    occurred_at::date as event_date,
    source,
    type as event_type,
    count(*) as events,
    count(distinct user_id) as users
from analytics.vw_events
group by occurred_at::date, source, type;
