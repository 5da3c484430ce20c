import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverMigrations } from '../../../src/db/migrations/discover.js';
import { drizzleOutFromConfig, findMigrationsFolder } from '../../../src/db/migrations/find-folder.js';
import { MigrationError, TenantguardError } from '../../../src/errors.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tmp: string[] = [];
async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tenantguard-migrations-'));
  tmp.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}
afterAll(async () => {
  await Promise.all(tmp.map((d) => rm(d, { recursive: true, force: true })));
});

async function rejection(promise: Promise<unknown>): Promise<TenantguardError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(TenantguardError);
  return error as TenantguardError;
}

describe('discoverMigrations', () => {
  it('reads a plain folder in natural order, skipping rollbacks, with each statement\'s line', async () => {
    const found = await discoverMigrations('fixtures/migrations/plain-basic', root);
    expect(found.layout).toBe('plain');
    expect(found.files.map((f) => [f.displayPath, f.statements.map((s) => s.line)])).toEqual([
      ['fixtures/migrations/plain-basic/1_organizations.sql', [2, 7]],
      ['fixtures/migrations/plain-basic/2_projects.sql', [3, 9, 11]],
      ['fixtures/migrations/plain-basic/10_tasks.sql', [2, 9, 14]],
    ]);
    expect(found.files[1]!.statements[0]!.sql).toMatch(/^CREATE TABLE projects \([\s\S]*'Café; déjà vu'[\s\S]*\)$/);
  });

  it('reads a drizzle-kit folder in journal order, split at statement breakpoints', async () => {
    const found = await discoverMigrations(join(root, 'fixtures/migrations/drizzle-basic'), root);
    expect(found.layout).toBe('drizzle');
    expect(found.files.map((f) => [f.displayPath, f.statements.map((s) => s.line)])).toEqual([
      ['fixtures/migrations/drizzle-basic/0000_init.sql', [1, 7, 13]],
      ['fixtures/migrations/drizzle-basic/0001_tasks.sql', [1, 8, 9, 10, 11]],
    ]);
    // drizzle-kit writes `...;--> statement-breakpoint` on one line: the breakpoint is not part of the statement.
    expect(found.files[1]!.statements[1]!.sql).toBe('ALTER TABLE "tasks" ENABLE ROW LEVEL SECURITY');
  });

  it('reads a drizzle file that ends with a breakpoint: the empty chunk after it is no statement', async () => {
    const found = await discoverMigrations('fixtures/migrations/drizzle-trailing-breakpoint', root);
    expect(found.files.map((f) => [f.displayPath, f.statements.map((s) => s.line)])).toEqual([
      ['fixtures/migrations/drizzle-trailing-breakpoint/0000_tables.sql', [1, 5]],
      ['fixtures/migrations/drizzle-trailing-breakpoint/0001_rls.sql', [1, 2]],
    ]);
    // an empty plain file holds no statement either
    const dir = await folder({ '1_empty.sql': '', '2_table.sql': 'CREATE TABLE t (id int);' });
    expect((await discoverMigrations(dir, dir)).files.map((f) => f.statements.length)).toEqual([0, 1]);
  });

  it('follows the journal, not file names, and ignores files the journal does not list', async () => {
    const dir = await folder({
      'meta/_journal.json': JSON.stringify({ version: '7', dialect: 'postgresql', entries: [{ tag: '0001_second' }, { tag: '0000_first' }] }),
      '0000_first.sql': 'SELECT 1;',
      '0001_second.sql': 'SELECT 2;\n--> statement-breakpoint\nSELECT 3;',
      'stray.sql': 'this is not applied',
    });
    const found = await discoverMigrations(dir, dir);
    expect(found.files.map((f) => f.displayPath)).toEqual(['0001_second.sql', '0000_first.sql']);
    expect(found.files[0]!.statements.map(({ sql, line }) => ({ sql, line }))).toEqual([
      { sql: 'SELECT 2', line: 1 },
      { sql: 'SELECT 3', line: 3 },
    ]);
  });

  it('applies breakpoint chunks separately, as drizzle does, even without a semicolon between them', async () => {
    const dir = await folder({
      'meta/_journal.json': JSON.stringify({ dialect: 'postgresql', entries: [{ tag: '0000_custom' }] }),
      '0000_custom.sql': 'CREATE TABLE a (id int)\n--> statement-breakpoint\nCREATE TABLE b (id int); CREATE TABLE c (id int);\n',
    });
    const [file] = (await discoverMigrations(dir, dir)).files;
    expect(file!.statements.map(({ sql, line }) => ({ sql, line }))).toEqual([
      { sql: 'CREATE TABLE a (id int)', line: 1 },
      { sql: 'CREATE TABLE b (id int)', line: 3 },
      { sql: 'CREATE TABLE c (id int)', line: 3 },
    ]);
  });

  it('reports a syntax error as file:line before any engine starts', async () => {
    const error = await rejection(discoverMigrations('fixtures/migrations/broken-syntax', root));
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ file: 'fixtures/migrations/broken-syntax/001_tables.sql', line: 7 });
    expect(error.message).toBe('fixtures/migrations/broken-syntax/001_tables.sql:7: syntax error at or near ")"');
    expect(error.hint).toBeTruthy();
  });

  it('rejects a missing folder, a file, an empty folder and broken drizzle journals', async () => {
    expect((await rejection(discoverMigrations('no/such/dir', root))).message).toBe('migrations folder no/such/dir does not exist');
    expect((await rejection(discoverMigrations('package.json', root))).message).toBe('package.json is not a folder');
    const empty = await folder({ 'README.md': 'no sql here' });
    const none = await rejection(discoverMigrations(empty, empty));
    expect(none.message).toBe('no migrations in .');
    expect(none.hint).toMatch(/\*\.sql/);

    const missing = await folder({ 'meta/_journal.json': JSON.stringify({ dialect: 'postgresql', entries: [{ tag: '0000_gone' }] }) });
    expect((await rejection(discoverMigrations(missing, missing))).message).toBe(
      'meta/_journal.json lists migration "0000_gone", but 0000_gone.sql does not exist',
    );
    const mysql = await folder({ 'meta/_journal.json': JSON.stringify({ dialect: 'mysql', entries: [] }) });
    expect((await rejection(discoverMigrations(mysql, mysql))).message).toContain('dialect "mysql"');
    const garbled = await folder({ 'meta/_journal.json': '{ "entries": [' });
    expect((await rejection(discoverMigrations(garbled, garbled))).message).toMatch(/^meta\/_journal\.json is not valid JSON/);
  });
});

describe('findMigrationsFolder', () => {
  it('reads drizzle.config out without running it', async () => {
    expect(drizzleOutFromConfig(`import { defineConfig } from 'drizzle-kit';\nexport default defineConfig({\n  // out: './old',\n  dialect: 'postgresql',\n  schema: './src/db/schema.ts',\n  out: './db/migrations',\n});`)).toBe('./db/migrations');
    expect(drizzleOutFromConfig(`module.exports = { "out": "drizzle-out", schema: 'x' }`)).toBe('drizzle-out');
    expect(drizzleOutFromConfig(`export default { schema: './schema.ts', dialect: 'postgresql' }`)).toBe('./drizzle');
    expect(drizzleOutFromConfig('{ "out": "json-out" }')).toBe('json-out');
    expect(drizzleOutFromConfig('export default { out: process.env.OUT_DIR }')).toBeNull();
    expect(drizzleOutFromConfig('export default { out: `${base}/drizzle` }')).toBeNull();
  });

  it('prefers drizzle.config out, then supabase, prisma, migrations/, drizzle/', async () => {
    const dir = await folder({
      'drizzle.config.ts': "throw new Error('never executed'); export default { out: './db/out' }",
      'db/out/0001.sql': 'SELECT 1;',
      'migrations/0001.sql': 'SELECT 1;',
      'drizzle/0001.sql': 'SELECT 1;',
    });
    expect((await findMigrationsFolder(dir)).found).toEqual({ folder: join(dir, 'db/out'), reason: 'drizzle.config.ts (out)' });
    await rm(join(dir, 'db'), { recursive: true });
    expect((await findMigrationsFolder(dir)).found).toEqual({ folder: join(dir, 'migrations'), reason: 'migrations' });
    await rm(join(dir, 'migrations'), { recursive: true });
    await rm(join(dir, 'drizzle.config.ts'));
    expect((await findMigrationsFolder(dir)).found?.reason).toBe('drizzle');
  });

  it('skips folders with nothing to read and says which', async () => {
    const dir = await folder({ 'migrations/README.md': 'empty for now' });
    expect(await findMigrationsFolder(dir)).toEqual({ found: null, unreadable: ['migrations'], several: [] });
    const copy = await folder({});
    await cp(join(root, 'fixtures/migrations/drizzle-basic'), join(copy, 'drizzle'), { recursive: true });
    expect((await findMigrationsFolder(copy)).found?.reason).toBe('drizzle');
  });
});
