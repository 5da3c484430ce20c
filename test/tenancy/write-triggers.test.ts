import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import withCheckMissing from '../../src/rules/with-check-missing.js';
import writeCheck from '../../src/rules/write-check-not-tenant-scoped.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext } from '../support/rule-context.js';

const CTX = `(SELECT NULLIF(current_setting('app.current_org_id', true), '')::int)`;
const COPY = `NEW.organization_id := (SELECT p.organization_id FROM projects p WHERE p.id = NEW.project_id);`;
const TABLES = ['pinned_tasks', 'guarded_tasks', 'definer_tasks', 'board_tasks', 'insert_only_tasks', 'overridden_tasks', 'fallback_tasks'];

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  CREATE TABLE projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  ALTER TABLE projects ENABLE ROW LEVEL SECURITY; ALTER TABLE projects FORCE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON projects TO app_user USING (organization_id = ${CTX});
  INSERT INTO projects VALUES (1, 1), (2, 2);
  -- parents every role sees whole: no row level security
  CREATE TABLE boards (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
  INSERT INTO boards VALUES (1, 1), (2, 2);
  GRANT SELECT ON projects, boards TO app_user;

  CREATE FUNCTION copy_from_project() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${COPY} RETURN NEW; END $$;
  CREATE FUNCTION copy_if_missing() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.organization_id IS NULL THEN ${COPY} END IF; RETURN NEW; END $$;
  CREATE FUNCTION copy_as_owner() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    BEGIN ${COPY} RETURN NEW; END $$;
  CREATE FUNCTION copy_from_board() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.organization_id := (SELECT b.organization_id FROM boards b WHERE b.id = NEW.project_id); RETURN NEW; END $$;
  CREATE FUNCTION default_organization() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.organization_id := COALESCE(NEW.organization_id, 1); RETURN NEW; END $$;

  ${TABLES.map(
    (t) => `CREATE TABLE ${t} (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations, project_id int NOT NULL);
    ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY; ALTER TABLE ${t} FORCE ROW LEVEL SECURITY;
    CREATE POLICY read ON ${t} FOR SELECT TO app_user USING (organization_id = ${CTX});`,
  ).join('\n')}
  ${TABLES.filter((t) => t !== 'fallback_tasks').map(
    (t) => `CREATE POLICY add ON ${t} FOR INSERT TO app_user WITH CHECK (true);
    CREATE POLICY edit ON ${t} FOR UPDATE TO app_user USING (organization_id = ${CTX}) WITH CHECK (true);`,
  ).join('\n')}
  -- FOR ALL without WITH CHECK: its loose USING is the check on new rows, which the trigger then pins
  CREATE POLICY open_all ON fallback_tasks TO app_user USING (project_id > 0);
  CREATE TRIGGER copy BEFORE INSERT OR UPDATE ON pinned_tasks FOR EACH ROW EXECUTE FUNCTION copy_from_project();
  CREATE TRIGGER copy BEFORE INSERT OR UPDATE ON fallback_tasks FOR EACH ROW EXECUTE FUNCTION copy_from_project();
  CREATE TRIGGER copy BEFORE INSERT OR UPDATE ON guarded_tasks FOR EACH ROW EXECUTE FUNCTION copy_if_missing();
  CREATE TRIGGER copy BEFORE INSERT OR UPDATE ON definer_tasks FOR EACH ROW EXECUTE FUNCTION copy_as_owner();
  CREATE TRIGGER copy BEFORE INSERT OR UPDATE ON board_tasks FOR EACH ROW EXECUTE FUNCTION copy_from_board();
  CREATE TRIGGER copy BEFORE INSERT ON insert_only_tasks FOR EACH ROW EXECUTE FUNCTION copy_from_project();
  -- triggers of one kind fire in name order: z_default runs after copy and may change the column again
  CREATE TRIGGER copy BEFORE INSERT OR UPDATE ON overridden_tasks FOR EACH ROW EXECUTE FUNCTION copy_from_project();
  CREATE TRIGGER z_default BEFORE INSERT OR UPDATE ON overridden_tasks FOR EACH ROW EXECUTE FUNCTION default_organization();
  ${TABLES.map((t) => `INSERT INTO ${t} VALUES (1, 1, 1), (2, 2, 2);`).join('\n')}
  GRANT SELECT, INSERT, UPDATE ON ${TABLES.join(', ')} TO app_user;
`;

describe('BEFORE ROW triggers that pin the tenant of written rows', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  /** As app_user in organization 1, run `sql`, then read the organization of row `id` as the setup superuser. */
  const landsIn = (table: string, sql: string, id: number) =>
    db.asRole(
      'app_user',
      async (c) => {
        await c.query(sql);
        await c.query('RESET ROLE');
        return (await c.query(`SELECT organization_id FROM ${table} WHERE id = $1`, [id])).rows[0]?.organization_id;
      },
      { value: '1' },
    );

  it('judges the write check scoped only when an unconditional copy from a parent the role sees within its tenant runs last', async () => {
    const problems = problemsByObject(writeCheck, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual(['board_tasks', 'definer_tasks', 'guarded_tasks', 'insert_only_tasks', 'overridden_tasks']);
    expect(problems.get('insert_only_tasks')!.message).toContain('can UPDATE rows for any organization');
    for (const table of ['board_tasks', 'definer_tasks', 'guarded_tasks', 'overridden_tasks']) {
      expect(problems.get(table)!.message, table).toContain('INSERT and UPDATE');
    }
  });

  it('does not call a FOR ALL policy without WITH CHECK a hole when the trigger pins the rows it admits', async () => {
    const problem = problemsByObject(withCheckMissing, await ruleContext(db)).get('fallback_tasks.open_all')!;
    expect(problem.severity).toBeUndefined();
  });

  it('proves the pin: whatever organization the writer names, the row lands in its own, or is refused', async () => {
    expect(await landsIn('pinned_tasks', 'INSERT INTO pinned_tasks VALUES (100, 2, 1)', 100)).toBe(1);
    expect(await landsIn('pinned_tasks', 'UPDATE pinned_tasks SET organization_id = 2 WHERE id = 1', 1)).toBe(1);
    expect(await landsIn('fallback_tasks', 'INSERT INTO fallback_tasks VALUES (100, 2, 1)', 100)).toBe(1);
    // a parent of another organization is invisible: the copy is NULL and NOT NULL refuses the row
    await expect(landsIn('pinned_tasks', 'INSERT INTO pinned_tasks VALUES (100, 2, 2)', 100)).rejects.toMatchObject({ code: '23502' });
  });

  it('proves the holes: the guarded copy, the owner-rights copy, the open parent and the UPDATE without a trigger', async () => {
    expect(await landsIn('guarded_tasks', 'INSERT INTO guarded_tasks VALUES (100, 2, 1)', 100)).toBe(2);
    expect(await landsIn('definer_tasks', 'INSERT INTO definer_tasks VALUES (100, 1, 2)', 100)).toBe(2);
    expect(await landsIn('board_tasks', 'INSERT INTO board_tasks VALUES (100, 1, 2)', 100)).toBe(2);
    // no WHERE: a statement that reads no column is not checked by the SELECT policies (docs/postgres-rls.md#write-leaks)
    expect(await landsIn('insert_only_tasks', 'UPDATE insert_only_tasks SET organization_id = 2', 1)).toBe(2);
  });
});
