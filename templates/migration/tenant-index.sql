-- The tenant predicate runs on every query; an index led by {{tenant_column}} keeps it from scanning the table.
CREATE INDEX IF NOT EXISTS {{index}} ON {{table}} ({{tenant_column}});
