-- fakestore__users: the data-quality queries in snowflake SQL, generated from sources/*/checks by npm run models; do not edit.

-- row_count()
select count(*) as metric from clean.fakestore__users;

-- missing_count(id, email, username)
select count(*) as metric from clean.fakestore__users where id is null or email is null or username is null;

-- duplicate_count(id)
select coalesce(sum(n - 1), 0) as metric from (select id, count(*) as n from clean.fakestore__users group by id having count(*) > 1) as d;

-- duplicate_count(id): failing keys
select listagg(cast(k as varchar), ', ') as failing_keys from (select cast(id as varchar) as k from (select id, count(*) as n from clean.fakestore__users group by id having count(*) > 1) as d limit 5) as samples;

-- schema()
select lower(column_name) as column_name from information_schema.columns where table_schema = 'CLEAN' and table_name = 'FAKESTORE__USERS';

-- freshness(_extracted_at)
select datediff('hour', max(_extracted_at), current_timestamp()) as metric from clean.fakestore__users;
