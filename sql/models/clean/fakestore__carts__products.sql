-- fakestore__carts__products: generated from sources/fakestore/contracts/carts.json by npm run models; do not edit.

create table if not exists clean.fakestore__carts__products as
select _parent_id, _list_index, product_id, quantity, _batch_id, _extracted_at, _source_key, _record_hash
from raw.fakestore__carts__products
where 1 = 0;

merge into clean.fakestore__carts__products as t
using (
    select _parent_id, _list_index, product_id, quantity, _batch_id, _extracted_at, _source_key, _record_hash
    from raw.fakestore__carts__products
    qualify row_number() over (partition by _parent_id, _list_index order by _extracted_at desc, _loaded_at desc, _file_name desc, _file_row_number desc) = 1
) as s
on t._parent_id = s._parent_id and t._list_index = s._list_index
when matched and s._extracted_at >= t._extracted_at then update set
    _parent_id = s._parent_id,
    _list_index = s._list_index,
    product_id = s.product_id,
    quantity = s.quantity,
    _batch_id = s._batch_id,
    _extracted_at = s._extracted_at,
    _source_key = s._source_key,
    _record_hash = s._record_hash
when not matched then insert (_parent_id, _list_index, product_id, quantity, _batch_id, _extracted_at, _source_key, _record_hash)
values (s._parent_id, s._list_index, s.product_id, s.quantity, s._batch_id, s._extracted_at, s._source_key, s._record_hash);

delete from clean.fakestore__carts__products as c
where not exists (
    select 1 from clean.fakestore__carts as p
    where p.id = c._parent_id and p._record_hash = c._record_hash
);
