-- fakestore__products: generated from sources/fakestore/contracts/products.json by npm run models; do not edit.

create table if not exists clean.fakestore__products as
select id, title, price, description, category, image, rating__rate, rating__count, _batch_id, _extracted_at, _source_key, _record_hash
from raw.fakestore__products
where 1 = 0;

merge into clean.fakestore__products as t
using (
    select id, title, price, description, category, image, rating__rate, rating__count, _batch_id, _extracted_at, _source_key, _record_hash
    from raw.fakestore__products
    qualify row_number() over (partition by id order by _extracted_at desc, _loaded_at desc, _file_name desc, _file_row_number desc) = 1
) as s
on t.id = s.id
when matched and s._extracted_at >= t._extracted_at then update set
    id = s.id,
    title = s.title,
    price = s.price,
    description = s.description,
    category = s.category,
    image = s.image,
    rating__rate = s.rating__rate,
    rating__count = s.rating__count,
    _batch_id = s._batch_id,
    _extracted_at = s._extracted_at,
    _source_key = s._source_key,
    _record_hash = s._record_hash
when not matched then insert (id, title, price, description, category, image, rating__rate, rating__count, _batch_id, _extracted_at, _source_key, _record_hash)
values (s.id, s.title, s.price, s.description, s.category, s.image, s.rating__rate, s.rating__count, s._batch_id, s._extracted_at, s._source_key, s._record_hash);
