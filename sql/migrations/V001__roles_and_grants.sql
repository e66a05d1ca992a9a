-- Three roles, least privilege: LOADER writes RAW (Snowpipe), TRANSFORMER builds CLEAN and ANALYTICS
-- from RAW, ANALYST reads CLEAN and ANALYTICS only.
create role if not exists {{ database }}_loader;
create role if not exists {{ database }}_transformer;
create role if not exists {{ database }}_analyst;

grant usage on database {{ database }} to role {{ database }}_loader;
grant usage on schema {{ database }}.raw to role {{ database }}_loader;
grant select, insert on future tables in schema {{ database }}.raw to role {{ database }}_loader;
grant select, insert on all tables in schema {{ database }}.raw to role {{ database }}_loader;

grant usage on database {{ database }} to role {{ database }}_transformer;
grant usage on warehouse {{ warehouse }} to role {{ database }}_transformer;
grant usage on schema {{ database }}.raw to role {{ database }}_transformer;
grant select on future tables in schema {{ database }}.raw to role {{ database }}_transformer;
grant select on all tables in schema {{ database }}.raw to role {{ database }}_transformer;
grant usage, create table, create view on schema {{ database }}.clean to role {{ database }}_transformer;
grant usage, create table, create view on schema {{ database }}.analytics to role {{ database }}_transformer;

grant usage on database {{ database }} to role {{ database }}_analyst;
grant usage on warehouse {{ warehouse }} to role {{ database }}_analyst;
grant usage on schema {{ database }}.clean to role {{ database }}_analyst;
grant usage on schema {{ database }}.analytics to role {{ database }}_analyst;
grant select on future tables in schema {{ database }}.clean to role {{ database }}_analyst;
grant select on future tables in schema {{ database }}.analytics to role {{ database }}_analyst;
grant select on future views in schema {{ database }}.analytics to role {{ database }}_analyst;
