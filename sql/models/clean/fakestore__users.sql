-- fakestore__users: generated from sources/fakestore/contracts/users.json by npm run models; do not edit.

create table if not exists clean.fakestore__users as
select id, email, username, name__firstname, name__lastname, address__geolocation__lat, address__geolocation__long, address__city, address__street, address__number, address__zipcode, phone, v, _batch_id, _extracted_at, _source_key, _record_hash
from raw.fakestore__users
where 1 = 0;

merge into clean.fakestore__users as t
using (
    select id, email, username, name__firstname, name__lastname, address__geolocation__lat, address__geolocation__long, address__city, address__street, address__number, address__zipcode, phone, v, _batch_id, _extracted_at, _source_key, _record_hash
    from raw.fakestore__users
    qualify row_number() over (partition by id order by _extracted_at desc, _loaded_at desc, _file_name desc, _file_row_number desc) = 1
) as s
on t.id = s.id
when matched and s._extracted_at >= t._extracted_at then update set
    id = s.id,
    email = s.email,
    username = s.username,
    name__firstname = s.name__firstname,
    name__lastname = s.name__lastname,
    address__geolocation__lat = s.address__geolocation__lat,
    address__geolocation__long = s.address__geolocation__long,
    address__city = s.address__city,
    address__street = s.address__street,
    address__number = s.address__number,
    address__zipcode = s.address__zipcode,
    phone = s.phone,
    v = s.v,
    _batch_id = s._batch_id,
    _extracted_at = s._extracted_at,
    _source_key = s._source_key,
    _record_hash = s._record_hash
when not matched then insert (id, email, username, name__firstname, name__lastname, address__geolocation__lat, address__geolocation__long, address__city, address__street, address__number, address__zipcode, phone, v, _batch_id, _extracted_at, _source_key, _record_hash)
values (s.id, s.email, s.username, s.name__firstname, s.name__lastname, s.address__geolocation__lat, s.address__geolocation__long, s.address__city, s.address__street, s.address__number, s.address__zipcode, s.phone, s.v, s._batch_id, s._extracted_at, s._source_key, s._record_hash);
