import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import rule from '../../src/rules/security-definer-function.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { problemsByObject, ruleContext, ruleContextAfter } from '../support/rule-context.js';

const SCENARIO = `
  CREATE ROLE app_user LOGIN;
  CREATE ROLE migrator NOLOGIN;
  CREATE TABLE organizations (id int PRIMARY KEY);
  INSERT INTO organizations VALUES (1), (2);
  CREATE TABLE members (organization_id int NOT NULL REFERENCES organizations, user_id int NOT NULL, PRIMARY KEY (organization_id, user_id));
  CREATE TABLE projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations, name text NOT NULL);
  INSERT INTO members VALUES (1, 10), (2, 20);
  INSERT INTO projects VALUES (1, 1, 'a'), (2, 2, 'b');
  ALTER TABLE members ENABLE ROW LEVEL SECURITY; ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
  ALTER TABLE members OWNER TO migrator; ALTER TABLE projects OWNER TO migrator;
  -- reads every tenant: error
  CREATE FUNCTION project_names() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
    $$ SELECT name FROM projects $$;
  ALTER FUNCTION project_names() OWNER TO migrator;
  -- writes around RLS and has no pinned search_path: error
  CREATE FUNCTION rename_project(p_id int, p_name text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS
    $$ BEGIN UPDATE projects SET name = p_name WHERE id = p_id; END $$;
  ALTER FUNCTION rename_project(int, text) OWNER TO migrator;
  -- a membership check limited to the caller: warning
  CREATE FUNCTION is_member(org int) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS
    $$ SELECT EXISTS (SELECT 1 FROM members m WHERE m.organization_id = org AND m.user_id = NULLIF(current_setting('app.user_id', true), '')::int) $$;
  ALTER FUNCTION is_member(int) OWNER TO migrator;
  -- no pinned search_path, but only its owner may call it: warning
  CREATE FUNCTION purge_org(org int) RETURNS void LANGUAGE sql SECURITY DEFINER AS $$ DELETE FROM projects WHERE organization_id = org $$;
  ALTER FUNCTION purge_org(int) OWNER TO migrator;
  REVOKE EXECUTE ON FUNCTION purge_org(int) FROM PUBLIC;
  -- checks that the caller is a member of org before writing rows of org: warning (scoped)
  CREATE FUNCTION rename_own_project(org int, p_id int, p_name text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM members m
                     WHERE m.organization_id = org AND m.user_id = NULLIF(current_setting('app.user_id', true), '')::int) THEN
        RAISE EXCEPTION 'not a member' USING errcode = '42501';
      END IF;
      UPDATE projects SET name = p_name WHERE id = p_id AND organization_id = org;
    END $$;
  ALTER FUNCTION rename_own_project(int, int, text) OWNER TO migrator;
  -- the check goes through a body that cannot be read (dynamic SQL): warning (unknown)
  CREATE FUNCTION opaque_check(org int) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
    DECLARE ok boolean; BEGIN EXECUTE 'SELECT true' INTO ok; RETURN ok; END $$;
  CREATE FUNCTION rename_opaque(org int, p_name text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    BEGIN
      IF NOT opaque_check(org) THEN RAISE EXCEPTION 'no'; END IF;
      UPDATE projects SET name = p_name WHERE organization_id = org;
    END $$;
  ALTER FUNCTION rename_opaque(int, text) OWNER TO migrator;
  -- a trigger function cannot be called directly: warning, though EXECUTE is left to PUBLIC
  CREATE FUNCTION touch_projects() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
    BEGIN UPDATE projects SET name = name WHERE organization_id = NEW.organization_id; RETURN NEW; END $$;
  ALTER FUNCTION touch_projects() OWNER TO migrator;
  -- nothing to do with tenants: not reported
  CREATE FUNCTION server_time() RETURNS timestamptz LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$ SELECT now() $$;
  GRANT SELECT ON projects TO app_user;
  -- writes around RLS, and app_user holds what the body needs on a table whose policy scopes it: the fix runs it as the caller
  CREATE TABLE tasks (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations, title text NOT NULL);
  INSERT INTO tasks VALUES (1, 1, 'a'), (2, 2, 'b');
  ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
  ALTER TABLE tasks OWNER TO migrator;
  CREATE POLICY tenant ON tasks TO app_user USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::int);
  GRANT SELECT, INSERT, UPDATE, DELETE ON tasks TO app_user;
  CREATE FUNCTION rename_task(p_id int, p_title text) RETURNS SETOF int LANGUAGE sql SECURITY DEFINER SET search_path = public AS
    $$ UPDATE tasks SET title = p_title WHERE id = p_id RETURNING id $$;
  ALTER FUNCTION rename_task(int, text) OWNER TO migrator;
`;

describe('security-definer-function', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCENARIO });
  });
  afterAll(() => db?.close());

  it('grades SECURITY DEFINER functions by what they do with tenant rows and who can call them', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect([...problems.keys()].sort()).toEqual([
      'is_member',
      'project_names',
      'purge_org',
      'rename_opaque',
      'rename_own_project',
      'rename_project',
      'rename_task',
      'touch_projects',
    ]);
    expect(problems.get('project_names')).toMatchObject({ severity: 'error' });
    expect(problems.get('project_names')!.message).toContain("it reads public.projects without limiting the rows to the caller's organization or user; every role (PUBLIC) can execute it");
    expect(problems.get('rename_project')).toMatchObject({ severity: 'error' });
    expect(problems.get('rename_project')!.message).toContain('it has no pinned search_path');
    expect(problems.get('rename_project')!.message).toContain('it writes public.projects around row level security');
    expect(problems.get('is_member')).toMatchObject({ severity: 'warning' });
    expect(problems.get('is_member')!.message).toContain('it reads public.members only for the current user or organization');
    expect(problems.get('purge_org')).toMatchObject({ severity: 'warning' });
    expect(problems.get('purge_org')!.message).toContain('only its owner can execute it');
  });

  it('counts a check of the caller before the write; an unreadable check is unknown, a trigger function not callable', async () => {
    const problems = problemsByObject(rule, await ruleContext(db));
    expect(problems.get('rename_own_project')).toMatchObject({ severity: 'warning' });
    expect(problems.get('rename_own_project')!.message).toContain(
      "it writes public.projects only after checking that the rows belong to the caller's organization or user",
    );
    expect(problems.get('rename_opaque')).toMatchObject({ severity: 'warning' });
    expect(problems.get('rename_opaque')!.message).toContain('could not prove the function checks its caller before it writes public.projects');
    expect(problems.get('rename_opaque')!.message).toContain('opaque_check() could not be analysed: it runs dynamic SQL');
    expect(problems.get('touch_projects')).toMatchObject({ severity: 'warning' });
    expect(problems.get('touch_projects')!.message).toContain('it returns trigger, so it cannot be called directly');
  });

  it('proves the checked function safe as app_user: refused for another organization, and a trigger function cannot be called', async () => {
    const asUser = <T>(user: string, fn: (c: import('pg').Client) => Promise<T>) => db.asRole('app_user', fn, { setting: 'app.user_id', value: user });
    await expect(asUser('10', (c) => c.query(`SELECT rename_own_project(2, 2, 'owned')`))).rejects.toMatchObject({ code: '42501' });
    const own = await asUser('10', async (c) => {
      await c.query(`SELECT rename_own_project(1, 1, 'mine')`);
      // the id of another organization's project under the caller's organization reaches nothing
      await c.query(`SELECT rename_own_project(1, 2, 'owned')`);
      await c.query('RESET ROLE');
      return (await c.query('SELECT id, name FROM projects ORDER BY id')).rows;
    });
    expect(own).toEqual([{ id: 1, name: 'mine' }, { id: 2, name: 'b' }]);
    await expect(asUser('10', (c) => c.query('SELECT touch_projects()'))).rejects.toMatchObject({ code: '0A000' });
  });

  it('proves the errors as app_user: other organizations read and changed through the functions', async () => {
    const names = await db.asRole('app_user', async (c) => (await c.query('SELECT * FROM project_names() ORDER BY 1')).rows, { value: '1' });
    expect(names).toEqual([{ project_names: 'a' }, { project_names: 'b' }]);
    const direct = await db.asRole('app_user', async (c) => (await c.query('SELECT name FROM projects')).rows, { value: '1' });
    expect(direct).toEqual([]); // no policy for app_user on projects: direct reads see nothing
    const renamed = await db.asRole('app_user', async (c) => {
      await c.query(`SELECT rename_project(2, 'owned')`);
      await c.query('RESET ROLE');
      return (await c.query('SELECT name FROM projects WHERE id = 2')).rows;
    });
    expect(renamed).toEqual([{ name: 'owned' }]);
  });

  it('its fix pins the search_path', async () => {
    const fix = problemsByObject(rule, await ruleContext(db)).get('rename_project')!.fix!;
    expect(fix.sql).toBe('ALTER FUNCTION "public"."rename_project"(p_id integer, p_name text) SET search_path = pg_catalog, "public", pg_temp;');
    const after = problemsByObject(rule, await ruleContextAfter(db, fix.sql));
    expect(after.get('rename_project')!.message).not.toContain('search_path');
  });

  it('runs a function that writes around RLS as its caller when the caller holds what the body needs; pins the search_path otherwise', async () => {
    const config = { appRole: db.role('app_user') };
    const problems = problemsByObject(rule, await ruleContext(db, config));
    // app_user holds only SELECT on projects: as the caller the update would be refused, so only the search_path is pinned
    expect(problems.get('rename_project')!.fix!.title).toBe('Pin the search_path of public.rename_project(p_id integer, p_name text)');
    const fix = problems.get('rename_task')!.fix!;
    expect(fix.sql).toBe('ALTER FUNCTION "public"."rename_task"(p_id integer, p_title text) SECURITY INVOKER;');
    expect(problemsByObject(rule, await ruleContextAfter(db, fix.sql, config)).has('rename_task')).toBe(false);
  });

  it("proves that fix as app_user: another organization's task is renamed before it and left alone after, its own still renamed", async () => {
    const rename = (id: number) =>
      db.asRole('app_user', async (c) => (await c.query(`SELECT * FROM rename_task(${id}, 'renamed')`)).rows.map((r) => r.rename_task), { value: '1' });
    expect(await rename(2)).toEqual([2]);
    await db.exec('ALTER FUNCTION rename_task(int, text) SECURITY INVOKER');
    expect(await rename(2)).toEqual([]);
    expect(await rename(1)).toEqual([1]);
  });
});
