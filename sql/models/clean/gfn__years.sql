-- gfn__years: generated from sources/gfn/contracts/years.json by npm run models; do not edit.

create table if not exists clean.gfn__years as
select id, year, version, _batch_id, _extracted_at, _source_key, _record_hash
from raw.gfn__years
where 1 = 0;

merge into clean.gfn__years as t
using (
    select id, year, version, _batch_id, _extracted_at, _source_key, _record_hash
    from raw.gfn__years
    qualify row_number() over (partition by year order by _extracted_at desc, _loaded_at desc, _file_name desc, _file_row_number desc) = 1
) as s
on t.year = s.year
when matched and s._extracted_at >= t._extracted_at then update set
    id = s.id,
    year = s.year,
    version = s.version,
    _batch_id = s._batch_id,
    _extracted_at = s._extracted_at,
    _source_key = s._source_key,
    _record_hash = s._record_hash
when not matched then insert (id, year, version, _batch_id, _extracted_at, _source_key, _record_hash)
values (s.id, s.year, s.version, s._batch_id, s._extracted_at, s._source_key, s._record_hash);
