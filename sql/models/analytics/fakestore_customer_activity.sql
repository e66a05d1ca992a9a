-- Customer activity: each user's carts, units and what they are worth at today's product prices,
-- with the first and last day they filled a cart. Keyed by user id only: names and e-mails are
-- personal data, masked in CLEAN, and stay out of ANALYTICS.
create or replace table analytics.fakestore_customer_activity as
select
    c.user_id,
    count(distinct c.id) as carts,
    sum(l.quantity)::bigint as units,
    round(sum(l.quantity * p.price), 2) as revenue,
    min(c.date)::date as first_cart_date,
    max(c.date)::date as last_cart_date
from clean.fakestore__carts as c
inner join clean.fakestore__carts__products as l on c.id = l._parent_id
inner join clean.fakestore__products as p on l.product_id = p.id
group by c.user_id
order by revenue desc, c.user_id;
