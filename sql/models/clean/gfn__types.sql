-- gfn__types: generated from sources/gfn/contracts/types.json by npm run models; do not edit.

create table if not exists clean.gfn__types as
select code, name, note, record, _batch_id, _extracted_at, _source_key, _record_hash
from raw.gfn__types
where 1 = 0;

merge into clean.gfn__types as t
using (
    select code, name, note, record, _batch_id, _extracted_at, _source_key, _record_hash
    from raw.gfn__types
    qualify row_number() over (partition by code order by _extracted_at desc, _loaded_at desc, _file_name desc, _file_row_number desc) = 1
) as s
on t.code = s.code
when matched and s._extracted_at >= t._extracted_at then update set
    code = s.code,
    name = s.name,
    note = s.note,
    record = s.record,
    _batch_id = s._batch_id,
    _extracted_at = s._extracted_at,
    _source_key = s._source_key,
    _record_hash = s._record_hash
when not matched then insert (code, name, note, record, _batch_id, _extracted_at, _source_key, _record_hash)
values (s.code, s.name, s.note, s.record, s._batch_id, s._extracted_at, s._source_key, s._record_hash);
