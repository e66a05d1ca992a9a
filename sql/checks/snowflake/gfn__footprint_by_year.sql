-- gfn__footprint_by_year: the data-quality queries in snowflake SQL, generated from sources/*/checks by npm run models; do not edit.

-- row_count()
select count(*) as metric from clean.gfn__footprint_by_year;

-- missing_count(country_code, year, record)
select count(*) as metric from clean.gfn__footprint_by_year where country_code is null or year is null or record is null;

-- duplicate_count(country_code, year, record)
select coalesce(sum(n - 1), 0) as metric from (select country_code, year, record, count(*) as n from clean.gfn__footprint_by_year group by country_code, year, record having count(*) > 1) as d;

-- duplicate_count(country_code, year, record): failing keys
select listagg(cast(k as varchar), ', ') as failing_keys from (select cast(country_code as varchar) || '|' || cast(year as varchar) || '|' || cast(record as varchar) as k from (select country_code, year, record, count(*) as n from clean.gfn__footprint_by_year group by country_code, year, record having count(*) > 1) as d limit 5) as samples;

-- invalid_count(year)
select count(*) as metric from clean.gfn__footprint_by_year where year is not null and (year < 1960);

-- invalid_count(year): failing keys
select listagg(cast(k as varchar), ', ') as failing_keys from (select cast(year as varchar) as k from clean.gfn__footprint_by_year where year is not null and (year < 1960) limit 5) as samples;

-- invalid_count(value)
select count(*) as metric from clean.gfn__footprint_by_year where value is not null and (value < 0);

-- invalid_count(value): failing keys
select listagg(cast(k as varchar), ', ') as failing_keys from (select cast(value as varchar) as k from clean.gfn__footprint_by_year where value is not null and (value < 0) limit 5) as samples;

-- freshness(_extracted_at)
select datediff('hour', max(_extracted_at), current_timestamp()) as metric from clean.gfn__footprint_by_year;

-- anomaly(row_count)
select count(*) as metric from clean.gfn__footprint_by_year;
