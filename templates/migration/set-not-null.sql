-- A row without a tenant matches no tenant's policy; NOT NULL keeps new ones out.
-- Fails while such rows exist: assign or delete them first.
{{set_not_null}}
