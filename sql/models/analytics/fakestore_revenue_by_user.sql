-- Revenue per user: what each user's carts are worth at today's product prices.
create or replace table analytics.fakestore_revenue_by_user as
select
    c.user_id,
    count(distinct c.id) as carts,
    sum(l.quantity)::bigint as units,
    round(sum(l.quantity * p.price), 2) as revenue
from clean.fakestore__carts as c
inner join clean.fakestore__carts__products as l on c.id = l._parent_id
inner join clean.fakestore__products as p on l.product_id = p.id
group by c.user_id
order by revenue desc;
