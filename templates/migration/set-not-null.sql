-- A row without a tenant matches no tenant's policy; NOT NULL keeps new ones out.
-- Fails while such rows exist: assign or delete them first.
ALTER TABLE {{table}} ALTER COLUMN {{tenant_column}} SET NOT NULL;
