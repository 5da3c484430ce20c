import { it } from 'vitest';
import { createTestDatabase } from '../support/db.js';
import { audit, scaffold } from './support.js';

it('explore', async () => {
  const db = await createTestDatabase({ setup: `CREATE ROLE app_user LOGIN;
CREATE SCHEMA "Tenant Data";
CREATE TABLE "Tenant Data".organizations (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE "Tenant Data"."ünïcödé" (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), organization_id uuid NOT NULL REFERENCES "Tenant Data".organizations (id));
ALTER TABLE "Tenant Data"."ünïcödé" ENABLE ROW LEVEL SECURITY;
CREATE POLICY "org isolation" ON "Tenant Data"."ünïcödé" USING (organization_id::text = current_setting('app.current_org_id', true));
GRANT USAGE ON SCHEMA "Tenant Data" TO app_user;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "Tenant Data" TO app_user;` });
  try {
    const a = await audit(db, { appRole: db.role('app_user') });
    console.log(a.findings.map((f) => `${f.severity} ${f.rule} ${f.object.schema}.${f.object.table ?? ''}.${f.object.name} ${f.message}`).join('\n'));
    const s = await scaffold(a);
    console.log(s.sql);
  } finally {
    await db.close();
  }
});
