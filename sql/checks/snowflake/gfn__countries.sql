-- gfn__countries: the data-quality queries in snowflake SQL, generated from sources/*/checks by npm run models; do not edit.

-- row_count()
select count(*) as metric from clean.gfn__countries;

-- missing_count(country_code, country_name)
select count(*) as metric from clean.gfn__countries where country_code is null or country_name is null;

-- duplicate_count(country_code)
select coalesce(sum(n - 1), 0) as metric from (select country_code, count(*) as n from clean.gfn__countries group by country_code having count(*) > 1) as d;

-- duplicate_count(country_code): failing keys
select listagg(cast(k as varchar), ', ') as failing_keys from (select cast(country_code as varchar) as k from (select country_code, count(*) as n from clean.gfn__countries group by country_code having count(*) > 1) as d limit 5) as samples;

-- anomaly(row_count)
select count(*) as metric from clean.gfn__countries;
