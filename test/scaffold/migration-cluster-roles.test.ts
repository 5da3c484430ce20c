/**
 * Roles are cluster-wide: a server holds other databases' roles, some with a
 * default of the same tenant setting. The scaffold never writes a statement
 * about a role that is not the app role and reaches no tenant table here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/check/types.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { audit, scaffold } from './support.js';

const SETUP = `
CREATE ROLE app_user LOGIN;
CREATE ROLE other_app LOGIN;
ALTER ROLE other_app SET app.current_org_id = '2';
ALTER ROLE app_user SET app.current_org_id = '1';
CREATE TABLE organizations (id int PRIMARY KEY);
CREATE TABLE projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations, name text NOT NULL);
GRANT SELECT, INSERT, UPDATE, DELETE ON projects TO app_user;
`;

describe('scaffold migration and roles of other databases', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SETUP });
  });
  afterAll(() => db?.close());

  it("resets the app role's default, never the unrelated role's", async () => {
    const before = await audit(db, { appRole: db.role('app_user') });
    const { sql } = await scaffold(before);
    expect(sql).toContain(`ALTER ROLE "${db.role('app_user')}" RESET "app"."current_org_id";`);
    expect(sql).not.toContain(db.role('other_app'));
  });

  it('drops a fix about such a role even when a finding offers one, and says why', async () => {
    const before = await audit(db, { appRole: db.role('app_user') });
    const other = db.role('other_app');
    const offered: Finding = {
      ...before.findings.find((f) => f.rule === 'tenant-context-default')!,
      object: { kind: 'role', schema: null, name: other },
      fingerprint: '0000000000000000',
      fix: { title: 'Remove the default', sql: `ALTER ROLE "${other}" RESET "app"."current_org_id";` },
    };
    const { sql, plan } = await scaffold({ ...before, findings: [...before.findings, offered] });
    expect(sql).not.toContain(`ALTER ROLE "${other}"`);
    expect(plan.findings).not.toContain(offered);
    expect(plan.notes.some((n) => n.includes(`role ${other}`) && n.includes('cluster-wide'))).toBe(true);
  });
});
