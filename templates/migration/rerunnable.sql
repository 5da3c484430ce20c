DO $tenantguard$
BEGIN
  {{statement}}
EXCEPTION WHEN duplicate_object OR duplicate_table THEN
  NULL; -- created by an earlier run of this migration
END
$tenantguard$;
