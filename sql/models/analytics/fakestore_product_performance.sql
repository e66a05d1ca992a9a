-- Product performance: every product, sold or not, with the carts it is in, its units and revenue,
-- its rank by revenue and its customers' rating.
create or replace table analytics.fakestore_product_performance as
select
    p.id as product_id,
    p.title,
    p.category,
    p.price,
    count(distinct l._parent_id) as carts,
    coalesce(sum(l.quantity), 0)::bigint as units,
    round(coalesce(sum(l.quantity * p.price), 0), 2) as revenue,
    rank() over (order by coalesce(sum(l.quantity * p.price), 0) desc) as revenue_rank,
    p.rating__rate as rating,
    p.rating__count as ratings
from clean.fakestore__products as p
left join clean.fakestore__carts__products as l on p.id = l.product_id
group by p.id, p.title, p.category, p.price, p.rating__rate, p.rating__count
order by revenue_rank, product_id;
