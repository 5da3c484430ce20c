-- {{table_display}} has no {{tenant_column_display}}; it reaches its tenant only through
-- {{path}}. Give it its own, so its policies compare a column
-- of the row itself instead of joining per row.
ALTER TABLE {{table}} ADD COLUMN IF NOT EXISTS {{tenant_column}} {{column_type}};

-- Backfill from the parent rows along the foreign-key path.
UPDATE {{table}} AS t0
   SET {{tenant_column}} = {{source}}
  FROM {{from_list}}
 WHERE {{join_condition}}
   AND t0.{{tenant_column}} IS DISTINCT FROM {{source}};

-- New rows default to the tenant of the current transaction, so existing inserts keep working.
ALTER TABLE {{table}} ALTER COLUMN {{tenant_column}} SET DEFAULT ({{tenant_context}});

-- Fails if a row has no parent to take its tenant from: assign or delete such rows first.
{{set_not_null}}

DO $tenantguard$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_constraint WHERE conrelid = {{table_regclass}}::regclass AND conname = {{constraint_literal}}) THEN
    ALTER TABLE {{table}} ADD CONSTRAINT {{constraint}} FOREIGN KEY ({{tenant_column}}) REFERENCES {{root}} ({{root_key}});
  END IF;
END
$tenantguard$;

CREATE INDEX IF NOT EXISTS {{index}} ON {{table}} ({{tenant_column}});
