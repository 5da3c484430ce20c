-- {{role_display}} is created outside the migrations (--create-app-role): this creates it NOLOGIN when it is
-- missing, so the migration applies on a fresh database; where it exists nothing about it changes.
DO $tenantguard$
BEGIN
  {{create_role}}
EXCEPTION WHEN duplicate_object THEN
  NULL; -- created meanwhile by another session
END
$tenantguard$;
