-- Personal data (FakeStore users' e-mail, phone and address) is masked for everyone but TRANSFORMER;
-- the password the API sends is never loaded at all (the users contract excludes it).
create masking policy if not exists clean.personal_data as (val varchar) returns varchar ->
case
    when is_role_in_session('{{ database }}_TRANSFORMER') then val
    else '***MASKED***'
end;
