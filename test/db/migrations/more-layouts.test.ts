import { afterAll, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../../src/db/migrations/apply.js';
import { discoverMigrations } from '../../../src/db/migrations/discover.js';
import { join } from 'node:path';
import { findMigrationsFolder } from '../../../src/db/migrations/find-folder.js';
import { chooseSource } from '../../../src/db/source.js';
import { TenantguardError } from '../../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { dirWith } from '../../support/cli.js';

const names = (files: { displayPath: string }[]) => files.map((f) => f.displayPath);

describe('migration layouts', () => {
  it('*.up.sql: only up files, in version order (golang-migrate compares versions as numbers)', async () => {
    const cwd = await dirWith({
      'db/migrations/10_c.up.sql': 'SELECT 10;',
      'db/migrations/10_c.down.sql': 'SELECT -10;',
      'db/migrations/2_b.up.sql': 'SELECT 2;',
      'db/migrations/1_a.up.sql': 'SELECT 1;',
      'db/migrations/1_a.down.sql': 'SELECT -1;',
      'db/migrations/README.md': '# not a migration',
    });
    const found = await discoverMigrations('db/migrations', cwd);
    expect(found.layout).toBe('up-sql');
    expect(names(found.files)).toEqual(['db/migrations/1_a.up.sql', 'db/migrations/2_b.up.sql', 'db/migrations/10_c.up.sql']);
  });

  it('prisma: one folder per migration, folder-name order, folders without migration.sql ignored', async () => {
    const cwd = await dirWith({
      'prisma/migrations/migration_lock.toml': 'provider = "postgresql"\n',
      'prisma/migrations/20240502000000_b/migration.sql': 'SELECT 2;',
      'prisma/migrations/20240501000000_a/migration.sql': 'SELECT 1;',
      'prisma/migrations/20240503000000_empty/notes.txt': '',
    });
    expect((await findMigrationsFolder(cwd)).found?.reason).toBe('prisma/migrations');
    const found = await discoverMigrations('prisma/migrations', cwd);
    expect(found.layout).toBe('prisma');
    expect(names(found.files)).toEqual([
      'prisma/migrations/20240501000000_a/migration.sql',
      'prisma/migrations/20240502000000_b/migration.sql',
    ]);
  });

  it('supabase: <version>_<name>.sql only, with the platform prelude', async () => {
    const cwd = await dirWith({
      'supabase/migrations/20240502000000_b.sql': 'SELECT 2;',
      'supabase/migrations/20240501000000_a.sql': 'SELECT 1;',
      'supabase/migrations/seed.sql': 'SELECT 0;',
    });
    const found = await discoverMigrations('supabase/migrations', cwd);
    expect(found.layout).toBe('supabase');
    expect(names(found.files)).toEqual(['supabase/migrations/20240501000000_a.sql', 'supabase/migrations/20240502000000_b.sql']);
    expect(found.prelude).toContain('CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS');
  });
});

describe('finding the migrations folder in a monorepo', () => {
  const drizzleApp = (out: string) => ({
    'drizzle.config.ts': `export default { dialect: 'postgresql', out: '${out}' };`,
    [`${out}/meta/_journal.json`]: JSON.stringify({ dialect: 'postgresql', entries: [{ tag: '0000_init' }] }),
    [`${out}/0000_init.sql`]: 'CREATE TABLE t (id int);',
  });
  const under = (prefix: string, files: Record<string, string>) =>
    Object.fromEntries(Object.entries(files).map(([path, text]) => [`${prefix}/${path.replace(/^\.\//, '')}`, text]));

  it('finds the one folder below the working directory, resolving drizzle `out` from the config file\'s folder', async () => {
    const cwd = await dirWith({
      ...under('apps/api', drizzleApp('./db/migrations')),
      'node_modules/some-lib/migrations/001.sql': 'CREATE TABLE dependency (id int);',
      'dist/migrations/001.sql': 'CREATE TABLE built (id int);',
      '.turbo/migrations/001.sql': 'CREATE TABLE cached (id int);',
    });
    const search = await findMigrationsFolder(cwd);
    expect(search.found?.reason).toBe('apps/api/drizzle.config.ts (out)');
    expect(search.found?.folder).toBe(join(cwd, 'apps/api/db/migrations'));
  });

  it('with several, lists them and picks none; the audit stops with the choices', async () => {
    const cwd = await dirWith({
      ...under('apps/web', drizzleApp('./drizzle')),
      'packages/billing/supabase/config.toml': 'project_id = "billing"\n',
      'packages/billing/supabase/migrations/20240501000000_init.sql': 'create table public.invoices (id int);',
      'services/legacy/prisma/schema.prisma': 'datasource db { provider = "postgresql" }\n',
      'services/legacy/prisma/migrations/20240501000000_init/migration.sql': 'CREATE TABLE legacy (id int);',
    });
    const search = await findMigrationsFolder(cwd);
    expect(search.found).toBeNull();
    expect(search.several.map((c) => c.reason)).toEqual([
      'apps/web/drizzle.config.ts (out)',
      'packages/billing/supabase/migrations',
      'services/legacy/prisma/migrations',
    ]);
    const error = await chooseSource({ cwd, env: {}, offline: true }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(TenantguardError);
    expect((error as TenantguardError).message).toBe(
      `3 migrations folders below ${cwd}: apps/web/drizzle (apps/web/drizzle.config.ts (out)), packages/billing/supabase/migrations, services/legacy/prisma/migrations`,
    );
    expect((error as TenantguardError).hint).toMatch(/--migrations apps\/web\/drizzle/);
  });

  it('a folder in the working directory wins over those below it', async () => {
    const cwd = await dirWith({ ...drizzleApp('./drizzle'), ...under('packages/other', drizzleApp('./drizzle')) });
    expect((await findMigrationsFolder(cwd)).found?.reason).toBe('drizzle.config.ts (out)');
  });
});

describe('applying Supabase migrations', () => {
  let db: TestDatabase;
  afterAll(() => db?.close());

  it('provides what Supabase projects assume, and skips (and reports) what needs a missing extension', async () => {
    const cwd = await dirWith({
      'supabase/migrations/20240501000000_init.sql': `create extension if not exists pg_net with schema extensions;
create table public.profiles (id uuid primary key references auth.users (id), org_id uuid);
alter table public.profiles enable row level security;
create policy own on public.profiles for select to authenticated using (id = (select auth.uid()) and auth.role() = 'authenticated' and (auth.jwt() ->> 'aal') is not null);
alter publication supabase_realtime add table public.profiles;
grant usage on schema net to service_role;
select net.http_get('https://example.com');
`,
    });
    const found = await discoverMigrations('supabase/migrations', cwd);
    db = await createTestDatabase();
    // Roles are cluster-wide on a server: namespace the platform's roles as the test database does.
    const applied = await applyMigrations(db.client, {
      ...found,
      prelude: db.sql(found.prelude!),
      files: found.files.map((f) => ({ ...f, statements: f.statements.map((s) => ({ ...s, sql: db.sql(s.sql) })) })),
    });
    expect(applied.skipped.map((s) => [s.line, s.reason.split(' (')[0]])).toEqual([
      [1, 'extension "pg_net" is not available in the embedded engine'],
      [6, 'schema "net" does not exist'],
      [7, 'schema "net" does not exist'],
    ]);
    const { rows } = await db.client.query(
      `SELECT rolbypassrls FROM pg_roles WHERE rolname = $1`,
      [db.role('service_role')],
    );
    expect(rows).toEqual([{ rolbypassrls: true }]);
    // Default privileges grant new public tables to the API roles, as on Supabase.
    const grants = await db.client.query(`SELECT has_table_privilege($1, 'public.profiles', 'SELECT') AS anon`, [db.role('anon')]);
    expect(grants.rows).toEqual([{ anon: true }]);
    // auth.uid() reads the request's JWT claims.
    const uid = await db.client.query(
      `SELECT set_config('request.jwt.claims', '{"sub":"7b3e0d5c-1c8b-4c11-9d1a-2f1e4d2a0b10"}', false), auth.uid()::text AS uid`,
    );
    expect(uid.rows[0].uid).toBe('7b3e0d5c-1c8b-4c11-9d1a-2f1e4d2a0b10');
  });

  it('still fails on a real error when nothing was skipped', async () => {
    const cwd = await dirWith({ 'supabase/migrations/20240501000000_init.sql': 'select * from public.missing_table;\n' });
    const found = await discoverMigrations('supabase/migrations', cwd);
    const other = await createTestDatabase();
    try {
      await expect(
        applyMigrations(other.client, { ...found, prelude: other.sql(found.prelude!) }),
      ).rejects.toThrow(/20240501000000_init\.sql:1: relation "public\.missing_table" does not exist/);
    } finally {
      await other.close();
    }
  });
});
