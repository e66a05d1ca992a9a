-- gfn__footprint_by_year: generated from sources/gfn/contracts/footprint_by_year.json by npm run models; do not edit.

create table if not exists clean.gfn__footprint_by_year as
select id, version, year, country_code, country_name, short_name, isoa2, record, crop_land, grazing_land, forest_land, fishing_ground, builtup_land, carbon, value, score, _batch_id, _extracted_at, _source_key, _record_hash
from raw.gfn__footprint_by_year
where 1 = 0;

merge into clean.gfn__footprint_by_year as t
using (
    select id, version, year, country_code, country_name, short_name, isoa2, record, crop_land, grazing_land, forest_land, fishing_ground, builtup_land, carbon, value, score, _batch_id, _extracted_at, _source_key, _record_hash
    from raw.gfn__footprint_by_year
    qualify row_number() over (partition by year, country_code, record order by _extracted_at desc, _loaded_at desc, _file_name desc, _file_row_number desc) = 1
) as s
on t.year = s.year and t.country_code = s.country_code and t.record = s.record
when matched and s._extracted_at >= t._extracted_at then update set
    id = s.id,
    version = s.version,
    year = s.year,
    country_code = s.country_code,
    country_name = s.country_name,
    short_name = s.short_name,
    isoa2 = s.isoa2,
    record = s.record,
    crop_land = s.crop_land,
    grazing_land = s.grazing_land,
    forest_land = s.forest_land,
    fishing_ground = s.fishing_ground,
    builtup_land = s.builtup_land,
    carbon = s.carbon,
    value = s.value,
    score = s.score,
    _batch_id = s._batch_id,
    _extracted_at = s._extracted_at,
    _source_key = s._source_key,
    _record_hash = s._record_hash
when not matched then insert (id, version, year, country_code, country_name, short_name, isoa2, record, crop_land, grazing_land, forest_land, fishing_ground, builtup_land, carbon, value, score, _batch_id, _extracted_at, _source_key, _record_hash)
values (s.id, s.version, s.year, s.country_code, s.country_name, s.short_name, s.isoa2, s.record, s.crop_land, s.grazing_land, s.forest_land, s.fishing_ground, s.builtup_land, s.carbon, s.value, s.score, s._batch_id, s._extracted_at, s._source_key, s._record_hash);
