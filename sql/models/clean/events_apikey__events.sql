-- events_apikey__events: generated from sources/events_apikey/contracts/events.json by npm run models; do not edit.

create table if not exists clean.events_apikey__events as
select id, type, user_id, amount, currency, occurred_at, updated_at, context__browser, context__page__path, context__page__referrer, tags, _batch_id, _extracted_at, _source_key, _record_hash
from raw.events_apikey__events
where 1 = 0;

merge into clean.events_apikey__events as t
using (
    select id, type, user_id, amount, currency, occurred_at, updated_at, context__browser, context__page__path, context__page__referrer, tags, _batch_id, _extracted_at, _source_key, _record_hash
    from raw.events_apikey__events
    qualify row_number() over (partition by id order by _extracted_at desc, _loaded_at desc, _file_name desc, _file_row_number desc) = 1
) as s
on t.id = s.id
when matched and s._extracted_at >= t._extracted_at then update set
    id = s.id,
    type = s.type,
    user_id = s.user_id,
    amount = s.amount,
    currency = s.currency,
    occurred_at = s.occurred_at,
    updated_at = s.updated_at,
    context__browser = s.context__browser,
    context__page__path = s.context__page__path,
    context__page__referrer = s.context__page__referrer,
    tags = s.tags,
    _batch_id = s._batch_id,
    _extracted_at = s._extracted_at,
    _source_key = s._source_key,
    _record_hash = s._record_hash
when not matched then insert (id, type, user_id, amount, currency, occurred_at, updated_at, context__browser, context__page__path, context__page__referrer, tags, _batch_id, _extracted_at, _source_key, _record_hash)
values (s.id, s.type, s.user_id, s.amount, s.currency, s.occurred_at, s.updated_at, s.context__browser, s.context__page__path, s.context__page__referrer, s.tags, s._batch_id, s._extracted_at, s._source_key, s._record_hash);
