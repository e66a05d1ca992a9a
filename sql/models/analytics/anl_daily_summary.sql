-- One row per day (UTC) of events from both event APIs: how many, by how many users, and the funnel
-- from signup to purchase. Amounts are in several currencies, so they are not summed here.
create or replace table analytics.anl_daily_summary as
select
    e.occurred_at::date as event_date,
    count(*) as events,
    count(distinct e.user_id) as active_users,
    sum(case when e.type = 'signup' then 1 else 0 end) as signups,
    sum(case when e.type = 'page_view' then 1 else 0 end) as page_views,
    sum(case when e.type = 'add_to_cart' then 1 else 0 end) as add_to_carts,
    sum(case when e.type = 'checkout' then 1 else 0 end) as checkouts,
    sum(case when e.type = 'purchase' then 1 else 0 end) as purchases,
    sum(case when e.type = 'refund' then 1 else 0 end) as refunds
from analytics.vw_events as e
group by e.occurred_at::date
order by event_date;
