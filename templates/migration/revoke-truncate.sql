-- TRUNCATE is not subject to RLS: this grant lets a role wipe every tenant's rows.
REVOKE TRUNCATE ON TABLE {{table}} FROM {{grantees}};
