-- fakestore__products: the data-quality queries in snowflake SQL, generated from sources/*/checks by npm run models; do not edit.

-- row_count()
select count(*) as metric from clean.fakestore__products;

-- missing_count(id, title, price, category)
select count(*) as metric from clean.fakestore__products where id is null or title is null or price is null or category is null;

-- duplicate_count(id)
select coalesce(sum(n - 1), 0) as metric from (select id, count(*) as n from clean.fakestore__products group by id having count(*) > 1) as d;

-- duplicate_count(id): failing keys
select listagg(cast(k as varchar), ', ') as failing_keys from (select cast(id as varchar) as k from (select id, count(*) as n from clean.fakestore__products group by id having count(*) > 1) as d limit 5) as samples;

-- invalid_count(price)
select count(*) as metric from clean.fakestore__products where price is not null and (price < 0);

-- invalid_count(price): failing keys
select listagg(cast(k as varchar), ', ') as failing_keys from (select cast(price as varchar) as k from clean.fakestore__products where price is not null and (price < 0) limit 5) as samples;

-- invalid_count(category)
select count(*) as metric from clean.fakestore__products where category is not null and (category not in ('men\'s clothing', 'women\'s clothing', 'jewelery', 'electronics'));

-- invalid_count(category): failing keys
select listagg(cast(k as varchar), ', ') as failing_keys from (select cast(category as varchar) as k from clean.fakestore__products where category is not null and (category not in ('men\'s clothing', 'women\'s clothing', 'jewelery', 'electronics')) limit 5) as samples;

-- freshness(_extracted_at)
select datediff('hour', max(_extracted_at), current_timestamp()) as metric from clean.fakestore__products;

-- anomaly(row_count)
select count(*) as metric from clean.fakestore__products;
