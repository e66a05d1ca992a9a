-- Personal data (FakeStore users' e-mail, phone and address, as each contract's personalData lists it)
-- is masked for every role but TRANSFORMER; the setup attaches these policies to those CLEAN columns.
-- The password the API sends is never loaded at all (the users contract excludes it).
create masking policy if not exists clean.personal_data as (val varchar) returns varchar ->
case
    when is_role_in_session('{{ database }}_TRANSFORMER') then val
    else '***MASKED***'
end;

create masking policy if not exists clean.personal_number as (val float) returns float ->
case
    when is_role_in_session('{{ database }}_TRANSFORMER') then val
end;
