-- events_apikey__events: the data-quality queries in snowflake SQL, generated from sources/*/checks by npm run models; do not edit.

-- row_count()
select count(*) as metric from clean.events_apikey__events;

-- missing_count(id, type, occurred_at)
select count(*) as metric from clean.events_apikey__events where id is null or type is null or occurred_at is null;

-- duplicate_count(id)
select coalesce(sum(n - 1), 0) as metric from (select id, count(*) as n from clean.events_apikey__events group by id having count(*) > 1) as d;

-- duplicate_count(id): failing keys
select listagg(cast(k as varchar), ', ') as failing_keys from (select cast(id as varchar) as k from (select id, count(*) as n from clean.events_apikey__events group by id having count(*) > 1) as d limit 5) as samples;

-- invalid_count(type)
select count(*) as metric from clean.events_apikey__events where type is not null and (type not in ('page_view', 'add_to_cart', 'checkout', 'purchase', 'refund', 'signup'));

-- invalid_count(type): failing keys
select listagg(cast(k as varchar), ', ') as failing_keys from (select cast(type as varchar) as k from clean.events_apikey__events where type is not null and (type not in ('page_view', 'add_to_cart', 'checkout', 'purchase', 'refund', 'signup')) limit 5) as samples;

-- invalid_count(amount)
select count(*) as metric from clean.events_apikey__events where amount is not null and (amount < 0);

-- invalid_count(amount): failing keys
select listagg(cast(k as varchar), ', ') as failing_keys from (select cast(amount as varchar) as k from clean.events_apikey__events where amount is not null and (amount < 0) limit 5) as samples;

-- freshness(_extracted_at)
select datediff('hour', max(_extracted_at), current_timestamp()) as metric from clean.events_apikey__events;

-- anomaly(row_count)
select count(*) as metric from clean.events_apikey__events;
