import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/rls-disabled.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const TENANT = `organization_id = NULLIF(current_setting('app.current_org_id', true), '')::int`;
const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE ROLE migrator;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  -- invalid: tenant tables without RLS (direct, and indirect through projects)
  CREATE TABLE projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  CREATE TABLE tasks (id int PRIMARY KEY, project_id int NOT NULL REFERENCES projects);
  INSERT INTO projects VALUES (1, 1), (2, 2);
  -- valid: RLS enabled and forced with a tenant policy; a global table
  CREATE TABLE invoices (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
  ALTER TABLE invoices FORCE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON invoices TO app_user USING (${TENANT}) WITH CHECK (${TENANT});
  INSERT INTO invoices VALUES (1, 1), (2, 2);
  CREATE TABLE plans (id int PRIMARY KEY, organization_id int);
  COMMENT ON TABLE plans IS '@tenantguard global';
  -- partitions: RLS on the parent does not cover queries naming a partition
  CREATE TABLE events (organization_id int NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
  ALTER TABLE events ENABLE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON events TO app_user USING (${TENANT});
  CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
  CREATE TABLE events_2027 PARTITION OF events FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
  ALTER TABLE events_2027 OWNER TO migrator;
  INSERT INTO events VALUES (1, '2026-03-01'), (2, '2026-04-01');
  -- foreign tables cannot have RLS at all: not this rule's business
  CREATE FOREIGN DATA WRAPPER tg_dummy_fdw;
  CREATE SERVER tg_dummy_server FOREIGN DATA WRAPPER tg_dummy_fdw;
  CREATE FOREIGN TABLE remote_notes (organization_id int NOT NULL) SERVER tg_dummy_server;
  GRANT SELECT, INSERT, UPDATE, DELETE ON projects, tasks, invoices, plans, events, events_2026, remote_notes TO app_user;
`;

describe('rls-disabled', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  it('reports tenant tables and partitions with RLS off, and nothing else', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual(['events_2026', 'events_2027', 'projects', 'tasks']);
    expect(problems.get('projects')!.message).toContain(`every tenant's rows are open to ${db.role('app_user')} (SELECT, INSERT, UPDATE, DELETE)`);
    expect(problems.get('projects')!.severity).toBeUndefined(); // the rule's default: error
    expect(problems.get('events_2026')).toMatchObject({ severity: 'error' });
    expect(problems.get('events_2026')!.message).toMatch(/^row level security is disabled on partition public\.events_2026 of public\.events: /);
  });

  it('proves the leak: the app role reads every tenant through the table and the partition, not through the guarded ones', async () => {
    const orgs = (sql: string) =>
      db.asRole('app_user', async (c) => (await c.query(sql)).rows.map((r) => r.organization_id).sort(), { value: '1' });
    expect(await orgs('SELECT organization_id FROM projects')).toEqual([1, 2]);
    expect(await orgs('SELECT organization_id FROM events_2026')).toEqual([1, 2]);
    expect(await orgs('SELECT organization_id FROM events')).toEqual([1]);
    expect(await orgs('SELECT organization_id FROM invoices')).toEqual([1]);
  });

  it('is a latent hole, a warning, on a table no role the app can be reaches', async () => {
    const ctx = await ruleContextAfter(db, 'REVOKE ALL ON projects FROM app_user');
    const projects = problemsByObject(rule, ctx).get('projects')!;
    expect(projects.severity).toBe('warning');
    expect(projects.message).toContain("so any role granted access gets every tenant's rows (no role but its owner");
  });

  it('judges a partition by who can query it directly', async () => {
    const defaults = problemsByObject(rule, await ruleContext(db));
    // only its owner can name events_2027; the owner is not what the audit judges without an app role
    expect(defaults.get('events_2027')).toMatchObject({ severity: 'warning' });
    expect(defaults.get('events_2027')!.message).toContain(`no role but its owner ${db.role('migrator')} (and superusers) has access to it today`);
    const asMigrator = problemsByObject(rule, await ruleContext(db, { appRole: db.role('migrator') }));
    expect(asMigrator.get('events_2027')).toMatchObject({ severity: 'error' });
    const asApp = problemsByObject(rule, await ruleContext(db, { appRole: db.role('app_user') }));
    expect(asApp.get('events_2027')).toMatchObject({ severity: 'warning' });
    expect(asApp.get('events_2027')!.message).toContain(`the app role ${db.role('app_user')} has no access to it today`);
  });

  it('its fix enables and forces RLS, after which the rule is satisfied', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    const fix = problems.get('projects')!.fix!;
    expect(fix.sql).toContain('ALTER TABLE "public"."projects" ENABLE ROW LEVEL SECURITY;');
    expect(fix.sql).toContain('ALTER TABLE "public"."projects" FORCE ROW LEVEL SECURITY;');
    expect(fix.sql).toMatch(/^-- no policy exists yet/); // projects has no policy: deny-all until one exists
    const after = problemsByObject(rule, await ruleContextAfter(db, fix.sql));
    expect(after.has('projects')).toBe(false);
    expect(after.has('tasks')).toBe(true);
  });
});
