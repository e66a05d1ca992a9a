-- Sales per day: the carts filled that day, their units, customers and what they are worth at
-- today's product prices.
create or replace table analytics.fakestore_sales_by_day as
select
    c.date::date as sales_date,
    count(distinct c.id) as carts,
    count(distinct c.user_id) as customers,
    sum(l.quantity)::bigint as units,
    round(sum(l.quantity * p.price), 2) as revenue
from clean.fakestore__carts as c
inner join clean.fakestore__carts__products as l on c.id = l._parent_id
inner join clean.fakestore__products as p on l.product_id = p.id
group by c.date::date
order by sales_date;
