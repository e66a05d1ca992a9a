-- fakestore__carts__products: the data-quality queries in snowflake SQL, generated from sources/*/checks by npm run models; do not edit.

-- missing_count(_parent_id, _list_index, product_id)
select count(*) as metric from clean.fakestore__carts__products where _parent_id is null or _list_index is null or product_id is null;

-- duplicate_count(_parent_id, _list_index)
select coalesce(sum(n - 1), 0) as metric from (select _parent_id, _list_index, count(*) as n from clean.fakestore__carts__products group by _parent_id, _list_index having count(*) > 1) as d;

-- duplicate_count(_parent_id, _list_index): failing keys
select listagg(cast(k as varchar), ', ') as failing_keys from (select cast(_parent_id as varchar) || '|' || cast(_list_index as varchar) as k from (select _parent_id, _list_index, count(*) as n from clean.fakestore__carts__products group by _parent_id, _list_index having count(*) > 1) as d limit 5) as samples;

-- reference(product_id → fakestore__products.id)
select count(*) as metric from clean.fakestore__carts__products as c where c.product_id is not null and not exists (select 1 from clean.fakestore__products as r where r.id = c.product_id);

-- reference(product_id → fakestore__products.id): failing keys
select listagg(cast(k as varchar), ', ') as failing_keys from (select cast(c.product_id as varchar) as k from clean.fakestore__carts__products as c where c.product_id is not null and not exists (select 1 from clean.fakestore__products as r where r.id = c.product_id) limit 5) as samples;

-- invalid_count(quantity)
select count(*) as metric from clean.fakestore__carts__products where quantity is not null and (quantity < 1);

-- invalid_count(quantity): failing keys
select listagg(cast(k as varchar), ', ') as failing_keys from (select cast(quantity as varchar) as k from clean.fakestore__carts__products where quantity is not null and (quantity < 1) limit 5) as samples;
