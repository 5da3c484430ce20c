import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/check/types.js';
import { renderEffectivePolicies } from '../../src/report/effective-policies.js';
import type { RuleContext } from '../../src/rules/types.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ruleContext } from '../support/rule-context.js';

const TENANT = `organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::int)`;

const flagged = (name: string): Finding => ({
  rule: 'x', severity: 'error', object: { kind: 'table', schema: 'public', name }, message: '', fix: null, fingerprint: name, docs: '',
});

describe('--verbose: effective policies per role', () => {
  let db: TestDatabase;
  let ctx: RuleContext;
  beforeAll(async () => {
    db = await createTestDatabase({
      setup: `CREATE ROLE app_user;
        CREATE TABLE organizations (id int PRIMARY KEY);
        CREATE TABLE projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
        ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
        ALTER TABLE projects FORCE ROW LEVEL SECURITY;
        CREATE POLICY tenant ON projects FOR ALL TO app_user USING (${TENANT});
        CREATE POLICY everyone_reads ON projects FOR SELECT TO app_user USING (true);
        CREATE TABLE tasks (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
        CREATE TABLE quiet (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
        GRANT SELECT, INSERT ON projects, tasks, quiet TO app_user;
        INSERT INTO organizations VALUES (1), (2);
        INSERT INTO projects VALUES (1, 1), (2, 2);`,
    });
    ctx = await ruleContext(db, { appRole: db.role('app_user') });
  });
  afterAll(() => db?.close());

  it('shows how the permissive policies combine, and which roles RLS does not apply to', async () => {
    const text = renderEffectivePolicies(ctx, [flagged('projects'), flagged('tasks')]);
    const role = db.role('app_user');
    expect(text).toContain(`\npublic.projects\n  ${role}:\n    SELECT rows it reaches: leaky\n`);
    expect(text).toMatch(/permissive \(OR\): policy "everyone_reads" USING \(true\) OR policy "tenant"\s+USING \(organization_id = [^]*\) — true is always true/);
    // INSERT: the FOR ALL policy's USING is the check (no WITH CHECK), and it pins the tenant.
    expect(text).toContain('INSERT rows it may write: tenant-scoped');
    const words = `${role}: SELECT, INSERT — no policy applies (row level security is disabled)`;
    expect(text.replace(/\s+/g, ' ')).toContain(` ${words}`);
    expect(text).not.toContain('public.quiet');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    // What "leaky" claims, Postgres does: the app role reads both tenants' projects.
    const rows = await db.asRole('app_user', async (c) => (await c.query('SELECT organization_id FROM projects ORDER BY 1')).rows, { value: '1' });
    expect(rows.map((r) => r.organization_id)).toEqual([1, 2]);
  });
});
