import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/policy-null-predicate.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext } from '../support/rule-context.js';

const CTX = `(SELECT NULLIF(current_setting('app.current_org_id', true), '')::int)`;

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  CREATE TABLE drafts (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  CREATE TABLE notes (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  INSERT INTO drafts VALUES (1, 1), (2, 2);
  INSERT INTO notes VALUES (1, 1), (2, 2);
  ALTER TABLE drafts ENABLE ROW LEVEL SECURITY; ALTER TABLE drafts FORCE ROW LEVEL SECURITY;
  ALTER TABLE notes ENABLE ROW LEVEL SECURITY; ALTER TABLE notes FORCE ROW LEVEL SECURITY;
  -- what drizzle-kit push creates from an empty pgPolicy
  CREATE POLICY "crud" ON drafts AS PERMISSIVE FOR ALL TO public;
  CREATE POLICY tenant ON notes TO app_user USING (organization_id = ${CTX}) WITH CHECK (organization_id = ${CTX});
  CREATE POLICY "guard" ON notes AS RESTRICTIVE FOR ALL TO app_user;
  GRANT SELECT, INSERT ON drafts, notes TO app_user;
`;

describe('policy-null-predicate', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  const asOrg1 = (sql: string) => db.asRole('app_user', async (c) => (await c.query(sql)).rows, { value: '1' });

  it('reports policies without expressions as deny (permissive) or no-op (restrictive), never as unrestricted', async () => {
    const ctx = await ruleContext(db);
    const problems = problemsByObject(rule, ctx);
    expect([...problems.keys()].sort()).toEqual(['drafts.crud', 'notes.guard']);
    expect(problems.get('drafts.crud')!.message).toBe(
      'policy "crud" on public.drafts has neither USING nor WITH CHECK: it admits no row for any command (a deny, not an unrestricted policy); other permissive policies alone decide what is admitted',
    );
    expect(problems.get('notes.guard')!.message).toContain('restricts nothing');
    // the effective engine agrees: drafts is denied for app_user
    const drafts = ctx.policies.effective.filter((a) => a.table.name === 'drafts');
    expect(drafts.map((a) => a.read?.verdict.scope ?? a.check?.verdict.scope)).toEqual(['deny', 'deny']);
  });

  it('agrees with Postgres: the permissive one admits nothing, the restrictive one restricts nothing', async () => {
    expect(await asOrg1('SELECT organization_id FROM drafts')).toEqual([]);
    await expect(asOrg1('INSERT INTO drafts VALUES (3, 1)')).rejects.toThrow(/row-level security/);
    expect(await asOrg1('SELECT organization_id FROM notes')).toEqual([{ organization_id: 1 }]);
    expect(await asOrg1('INSERT INTO notes VALUES (3, 1)')).toEqual([]);
  });
});
