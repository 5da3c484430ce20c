import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/context-cast-fails-on-empty.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const A = '00000000-0000-0000-0000-00000000000a';
const B = '00000000-0000-0000-0000-00000000000b';
const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE TABLE organizations (id uuid PRIMARY KEY);
  INSERT INTO organizations VALUES ('${A}'), ('${B}');
  -- invalid: the cast raises on '' (a pooled connection after SET LOCAL)
  CREATE TABLE projects (id int PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations);
  ALTER TABLE projects ENABLE ROW LEVEL SECURITY; ALTER TABLE projects FORCE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON projects TO app_user
    USING (organization_id = current_setting('app.current_org_id', true)::uuid)
    WITH CHECK (organization_id = (SELECT current_setting('app.current_org_id', true)::uuid));
  -- invalid, through a helper
  CREATE FUNCTION current_org() RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT current_setting('app.current_org_id', true)::uuid $$;
  CREATE TABLE tasks (id int PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations);
  ALTER TABLE tasks ENABLE ROW LEVEL SECURITY; ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON tasks TO app_user USING (organization_id = (SELECT current_org())) WITH CHECK (organization_id = (SELECT current_org()));
  -- valid: NULLIF(…, '') reads '' as NULL, which matches no row; a text comparison cannot fail
  CREATE TABLE notes (id int PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations);
  ALTER TABLE notes ENABLE ROW LEVEL SECURITY; ALTER TABLE notes FORCE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON notes TO app_user
    USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid))
    WITH CHECK (organization_id::text = current_setting('app.current_org_id', true));
  INSERT INTO projects VALUES (1, '${A}'), (2, '${B}');
  INSERT INTO notes VALUES (1, '${A}'), (2, '${B}');
  INSERT INTO tasks VALUES (1, '${A}'), (2, '${B}');
  GRANT SELECT, INSERT, UPDATE, DELETE ON projects, tasks, notes TO app_user;
`;

describe('context-cast-fails-on-empty', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  /** As app_user after a transaction that set the context locally: the setting now reads ''. */
  const afterSetLocal = (table: string) =>
    db.asRole('app_user', async (c) => {
      await c.query(`SELECT set_config('app.current_org_id', '${A}', true)`);
      await c.query('SAVEPOINT s');
      await c.query(`SELECT set_config('app.current_org_id', '', true)`);
      return (await c.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
    });

  it("reports policies and the helpers they call that cast the context without NULLIF(…, '')", async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual(['current_org', 'projects.tenant']);
    expect(problems.get('projects.tenant')!.message).toMatch(
      /^policy "tenant" on public\.projects casts current_setting\('app\.current_org_id', true\)::uuid without NULLIF\(…, ''\): after a transaction that set it/,
    );
    expect(problems.get('current_org')!.object).toMatchObject({ kind: 'function', schema: 'public', name: 'current_org' });
    expect(rule.defaultSeverity).toBe('warning');
  });

  it("proves it: with the setting at '' the cast raises, while the NULLIF form returns no row", async () => {
    await expect(afterSetLocal('projects')).rejects.toThrow(/invalid input syntax for type uuid/);
    await expect(afterSetLocal('tasks')).rejects.toThrow(/invalid input syntax for type uuid/);
    expect(await afterSetLocal('notes')).toBe(0);
  });

  it('its fix wraps the call in NULLIF, keeps isolation, and satisfies the rule', async () => {
    const fix = problemsByObject(rule, await ruleContext(db)).get('projects.tenant')!.fix!;
    expect(fix.sql).toContain("NULLIF(current_setting('app.current_org_id'::text, true), ''::text))::uuid");
    const after = problemsByObject(rule, await ruleContextAfter(db, fix.sql));
    expect(after.has('projects.tenant')).toBe(false);
    const seen = await db.asRole('app_user', async (c) => {
      await c.query('RESET ROLE');
      await c.query(fix.sql);
      await c.query(`SET LOCAL ROLE "${db.role('app_user')}"`);
      const mine = (await c.query('SELECT organization_id FROM projects')).rows.map((r) => r.organization_id);
      await c.query(`SELECT set_config('app.current_org_id', '', true)`);
      const none = (await c.query('SELECT count(*)::int AS n FROM projects')).rows[0].n;
      return { mine, none };
    }, { value: A });
    expect(seen).toEqual({ mine: [A], none: 0 });
  });
});
