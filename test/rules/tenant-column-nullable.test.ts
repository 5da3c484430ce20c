import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/tenant-column-nullable.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const TENANT = `organization_id = NULLIF(current_setting('app.current_org_id', true), '')::int`;
const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  CREATE TABLE notes (id int PRIMARY KEY, organization_id int REFERENCES organizations);
  CREATE TABLE projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  CREATE TABLE tasks (id int PRIMARY KEY, project_id int REFERENCES projects);
  CREATE TABLE events (organization_id int, at date NOT NULL) PARTITION BY RANGE (at);
  CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
  CREATE FOREIGN DATA WRAPPER tg_dummy_fdw;
  CREATE SERVER tg_dummy_server FOREIGN DATA WRAPPER tg_dummy_fdw;
  CREATE FOREIGN TABLE remote_notes (organization_id int) SERVER tg_dummy_server;
  ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON notes USING (${TENANT}) WITH CHECK (${TENANT});
  GRANT SELECT, INSERT ON notes TO app_user;
  INSERT INTO notes VALUES (1, 1), (2, NULL);  -- the owner is exempt without FORCE, and the FK lets NULL through
`;

describe('tenant-column-nullable', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  it('reports nullable tenant columns of tenant tables (a partitioned parent once), as columns', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual(['events.organization_id', 'notes.organization_id']);
    expect(problems.get('notes.organization_id')!.object).toEqual({ kind: 'column', schema: 'public', name: 'organization_id', table: 'notes' });
    expect(problems.get('notes.organization_id')!.message).toMatch(/^public\.notes\.organization_id allows NULL: /);
  });

  it('Postgres agrees: the NULL row exists, no tenant sees it, and a tenant-scoped WITH CHECK rejects new ones', async () => {
    const { rows } = await db.client.query('SELECT id FROM notes WHERE organization_id IS NULL');
    expect(rows).toEqual([{ id: 2 }]);
    for (const org of ['1', '2']) {
      const seen = await db.asRole('app_user', async (c) => (await c.query('SELECT id FROM notes ORDER BY id')).rows, { value: org });
      expect(seen.map((r) => r.id)).not.toContain(2);
    }
    await expect(db.asRole('app_user', (c) => c.query('INSERT INTO notes VALUES (3, NULL)'), { value: '1' })).rejects.toThrow(/row-level security/);
  });

  it('its fix refuses while NULL rows exist and, once they are resolved, satisfies the rule', async () => {
    const fix = problemsByObject(rule, await ruleContext(db)).get('notes.organization_id')!.fix!;
    expect(fix.sql).toContain('ALTER TABLE "public"."notes" ALTER COLUMN "organization_id" SET NOT NULL;');
    await expect(ruleContextAfter(db, fix.sql)).rejects.toThrow(/null values/);
    const after = problemsByObject(rule, await ruleContextAfter(db, `DELETE FROM notes WHERE organization_id IS NULL; ${fix.sql}`));
    expect(after.has('notes.organization_id')).toBe(false);
  });
});
