-- The store's product categories ranked by revenue, best first (ties share a rank).
create or replace view analytics.vw_top_categories as
select
    rank() over (order by revenue desc) as category_rank,
    category,
    carts,
    units,
    revenue
from analytics.fakestore_revenue_by_category;
