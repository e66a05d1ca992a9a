-- fakestore__carts: the data-quality queries in snowflake SQL, generated from sources/*/checks by npm run models; do not edit.

-- row_count()
select count(*) as metric from clean.fakestore__carts;

-- missing_count(id, user_id, date)
select count(*) as metric from clean.fakestore__carts where id is null or user_id is null or date is null;

-- duplicate_count(id)
select coalesce(sum(n - 1), 0) as metric from (select id, count(*) as n from clean.fakestore__carts group by id having count(*) > 1) as d;

-- duplicate_count(id): failing keys
select listagg(cast(k as varchar), ', ') as failing_keys from (select cast(id as varchar) as k from (select id, count(*) as n from clean.fakestore__carts group by id having count(*) > 1) as d limit 5) as samples;

-- reference(user_id → fakestore__users.id)
select count(*) as metric from clean.fakestore__carts as c where c.user_id is not null and not exists (select 1 from clean.fakestore__users as r where r.id = c.user_id);

-- reference(user_id → fakestore__users.id): failing keys
select listagg(cast(k as varchar), ', ') as failing_keys from (select cast(c.user_id as varchar) as k from clean.fakestore__carts as c where c.user_id is not null and not exists (select 1 from clean.fakestore__users as r where r.id = c.user_id) limit 5) as samples;

-- freshness(_extracted_at)
select datediff('hour', max(_extracted_at), current_timestamp()) as metric from clean.fakestore__carts;

-- anomaly(row_count)
select count(*) as metric from clean.fakestore__carts;
