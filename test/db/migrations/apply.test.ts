import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../../src/db/migrations/apply.js';
import { discoverMigrations } from '../../../src/db/migrations/discover.js';
import type { Queryable } from '../../../src/db/types.js';
import { MigrationError } from '../../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('applyMigrations', () => {
  let db: TestDatabase;
  /** Sends each statement as is, except that role names get the scenario's namespace (roles are cluster-wide on a server). */
  let engine: Queryable;
  const tmp: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    engine = { query: ((text: string) => db.client.query(db.sql(text))) as Queryable['query'] };
  });
  afterAll(async () => {
    await db?.close();
    await Promise.all(tmp.map((d) => rm(d, { recursive: true, force: true })));
  });
  beforeEach(async () => {
    await db.client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  });

  async function tables(): Promise<string[]> {
    const { rows } = await db.client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  }

  async function failure(folder: string): Promise<MigrationError> {
    const found = await discoverMigrations(folder, root);
    const error = await applyMigrations(engine, found).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    return error as MigrationError;
  }

  it('applies a plain folder in natural order, reporting progress per file', async () => {
    const progress: string[] = [];
    const applied = await applyMigrations(engine, await discoverMigrations('fixtures/migrations/plain-basic', root), (m) => progress.push(m));
    expect(progress).toEqual([
      'applying migration 1/3 1_organizations.sql',
      'applying migration 2/3 2_projects.sql',
      'applying migration 3/3 10_tasks.sql',
    ]);
    expect(applied.files).toHaveLength(3);
    // 2_projects.down.sql (DROP TABLE projects) was not applied.
    expect(await tables()).toEqual(['organizations', 'projects', 'tasks']);
    const { rows } = await db.client.query(
      `SELECT relrowsecurity AS rls, (SELECT count(*)::int FROM pg_policy WHERE polrelid = c.oid) AS policies,
              has_table_privilege($1, c.oid, 'SELECT') AS app_can_read
       FROM pg_class c WHERE c.oid = 'public.projects'::regclass`,
      [db.role('app_user')],
    );
    expect(rows).toEqual([{ rls: true, policies: 1, app_can_read: true }]);
    const { rows: defaults } = await db.client.query(`SELECT pg_get_expr(adbin, adrelid) AS d FROM pg_attrdef WHERE adrelid = 'projects'::regclass AND adnum = 3`);
    expect(defaults[0].d).toBe("'Café; déjà vu'::text");
  });

  it('applies a drizzle-kit folder in journal order', async () => {
    await applyMigrations(engine, await discoverMigrations('fixtures/migrations/drizzle-basic', root));
    expect(await tables()).toEqual(['organizations', 'projects', 'tasks']);
    const { rows } = await db.client.query(`SELECT polname, pg_get_expr(polwithcheck, polrelid) IS NOT NULL AS has_check FROM pg_policy`);
    expect(rows).toEqual([{ polname: 'tasks_tenant_isolation', has_check: true }]);
  });

  it('stops at a failing statement with its file, the line Postgres points at, and its message', async () => {
    const error = await failure('fixtures/migrations/broken-statement');
    expect(error.file).toBe('fixtures/migrations/broken-statement/0002_policies.sql');
    // The CREATE VIEW starts on line 9; Postgres' error position is the misspelt column on line 12.
    expect(error.line).toBe(12);
    expect(error.message).toBe('fixtures/migrations/broken-statement/0002_policies.sql:12: column "orgnization_id" does not exist');
    expect(error.hint).toMatch(/organization_id/); // Postgres' own HINT ("Perhaps you meant ...") is kept
    // Statements before the failure were applied; the file after it was not.
    expect(await tables()).toEqual(['organizations', 'projects']);
  });

  it('falls back to the statement\'s first line when Postgres gives no position', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tenantguard-apply-'));
    tmp.push(dir);
    await writeFile(join(dir, '001_a.sql'), 'CREATE TABLE a (id int);\n');
    await writeFile(join(dir, '002_b.sql'), "-- 😀 ünïcode\nSELECT 1;\n\nCREATE TABLE\n  a (id int);\n");
    const found = await discoverMigrations(dir, root);
    const error = await applyMigrations(engine, found).then(() => null, (e: unknown) => e as MigrationError);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error!.line).toBe(4);
    expect(error!.message).toMatch(/002_b\.sql:4: relation "a" already exists$/);
  });

  it('counts a position in characters, not UTF-16 units', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tenantguard-apply-'));
    tmp.push(dir);
    // Ten astral characters before the line break: read as UTF-16 units, the position would land on line 1.
    await writeFile(join(dir, '001.sql'), "SELECT '😀😀😀😀😀😀😀😀😀😀' AS e,\n  no_such_column;\n");
    const error = await applyMigrations(engine, await discoverMigrations(dir, root)).then(() => null, (e: unknown) => e as MigrationError);
    expect(error).toMatchObject({ line: 2 });
    expect(error!.message).toContain('column "no_such_column" does not exist');
  });

  it('leaves no open transaction or changed session state behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tenantguard-apply-'));
    tmp.push(dir);
    await writeFile(join(dir, '001.sql'), "CREATE ROLE migrator;\nSET search_path = '';\nSET ROLE migrator;\nBEGIN;\nSELECT 1;\n");
    const before = (await db.client.query(`SELECT current_setting('search_path') AS path`)).rows[0].path;
    expect(before).not.toBe('""');
    await applyMigrations(engine, await discoverMigrations(dir, root));
    const { rows } = await db.client.query(
      `SELECT current_user = session_user AS same_user, current_setting('search_path') AS path, now() = statement_timestamp() AS fresh_transaction`,
    );
    expect(rows[0]).toEqual({ same_user: true, path: before, fresh_transaction: true });
  });
});
