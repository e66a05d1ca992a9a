-- fakestore__carts: generated from sources/fakestore/contracts/carts.json by npm run models; do not edit.

create table if not exists clean.fakestore__carts as
select id, user_id, date, v, _batch_id, _extracted_at, _source_key, _record_hash
from raw.fakestore__carts
where 1 = 0;

merge into clean.fakestore__carts as t
using (
    select id, user_id, date, v, _batch_id, _extracted_at, _source_key, _record_hash
    from raw.fakestore__carts
    qualify row_number() over (partition by id order by _extracted_at desc, _loaded_at desc, _file_name desc, _file_row_number desc) = 1
) as s
on t.id = s.id
when matched and s._extracted_at >= t._extracted_at then update set
    id = s.id,
    user_id = s.user_id,
    date = s.date,
    v = s.v,
    _batch_id = s._batch_id,
    _extracted_at = s._extracted_at,
    _source_key = s._source_key,
    _record_hash = s._record_hash
when not matched then insert (id, user_id, date, v, _batch_id, _extracted_at, _source_key, _record_hash)
values (s.id, s.user_id, s.date, s.v, s._batch_id, s._extracted_at, s._source_key, s._record_hash);
