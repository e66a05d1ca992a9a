-- Order volume per product category: the carts that hold it, their units, and every cart line's
-- quantity at the product's price.
create or replace table analytics.fakestore_revenue_by_category as
select
    p.category,
    count(distinct l._parent_id) as carts,
    sum(l.quantity)::bigint as units,
    round(sum(l.quantity * p.price), 2) as revenue
from clean.fakestore__carts__products as l
inner join clean.fakestore__products as p on l.product_id = p.id
group by p.category
order by revenue desc;
