-- Ecological footprint of consumption against biocapacity, per country and year (global hectares).
-- A country runs a deficit when it consumes more than its land and sea regenerate, else a reserve.
create or replace table analytics.gfn_footprint_vs_biocapacity as
select
    country_code,
    any_value(country_name) as country_name,
    year,
    max(case when record = 'EFConsTotGHA' then value end) as footprint_gha,
    max(case when record = 'BiocapTotGHA' then value end) as biocapacity_gha,
    max(case when record = 'BiocapTotGHA' then value end)
    - max(case when record = 'EFConsTotGHA' then value end) as balance_gha,
    case
        when
            max(case when record = 'BiocapTotGHA' then value end)
            < max(case when record = 'EFConsTotGHA' then value end)
            then 'deficit'
        else 'reserve'
    end as status
from clean.gfn__footprint_by_year
where record in ('EFConsTotGHA', 'BiocapTotGHA')
group by country_code, year
having
    max(case when record = 'EFConsTotGHA' then value end) is not null
    and max(case when record = 'BiocapTotGHA' then value end) is not null
order by country_code, year;
