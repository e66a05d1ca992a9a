-- gfn__countries: generated from sources/gfn/contracts/countries.json by npm run models; do not edit.

create table if not exists clean.gfn__countries as
select id, version, country_code, country_name, short_name, isoa2, score, _batch_id, _extracted_at, _source_key, _record_hash
from raw.gfn__countries
where 1 = 0;

merge into clean.gfn__countries as t
using (
    select id, version, country_code, country_name, short_name, isoa2, score, _batch_id, _extracted_at, _source_key, _record_hash
    from raw.gfn__countries
    qualify row_number() over (partition by country_code order by _extracted_at desc, _loaded_at desc, _file_name desc, _file_row_number desc) = 1
) as s
on t.country_code = s.country_code
when matched and s._extracted_at >= t._extracted_at then update set
    id = s.id,
    version = s.version,
    country_code = s.country_code,
    country_name = s.country_name,
    short_name = s.short_name,
    isoa2 = s.isoa2,
    score = s.score,
    _batch_id = s._batch_id,
    _extracted_at = s._extracted_at,
    _source_key = s._source_key,
    _record_hash = s._record_hash
when not matched then insert (id, version, country_code, country_name, short_name, isoa2, score, _batch_id, _extracted_at, _source_key, _record_hash)
values (s.id, s.version, s.country_code, s.country_name, s.short_name, s.isoa2, s.score, s._batch_id, s._extracted_at, s._source_key, s._record_hash);
