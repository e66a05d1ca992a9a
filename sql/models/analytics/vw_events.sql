-- Every event of both event APIs, one row each with the API it came from: what the event views and
-- the daily summary count.
create or replace view analytics.vw_events as
select
    'events_oauth' as source,
    id,
    type,
    user_id,
    amount,
    currency,
    occurred_at
from clean.events_oauth__events
union all
select
    'events_apikey' as source,
    id,
    type,
    user_id,
    amount,
    currency,
    occurred_at
from clean.events_apikey__events;
