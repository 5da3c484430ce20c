import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withReadOnlyTransaction } from '../../src/db/transaction.js';
import { chooseSource, openSource, type SourceRequest } from '../../src/db/source.js';
import { MigrationError, TenantguardError, UsageError } from '../../src/errors.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/db.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tmp: string[] = [];
async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tenantguard-source-'));
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

function request(overrides: Partial<SourceRequest>): SourceRequest {
  return { cwd: root, env: {}, statementTimeoutMs: 30_000, lockTimeoutMs: 5_000, ...overrides };
}

describe('chooseSource', () => {
  it('takes --db first, then --migrations, then the environment, then .env files, then a detected folder', async () => {
    const cwd = await project({ '.env.local': 'DATABASE_URL=postgres://local@h/db\n', 'migrations/001.sql': 'SELECT 1;' });
    const env = { DATABASE_URL: 'postgres://env@h/db' };
    expect(await chooseSource({ cwd, env, db: 'postgres://flag@h/db' })).toEqual({ kind: 'database', url: 'postgres://flag@h/db', origin: '--db' });
    // An explicit --migrations outranks a DATABASE_URL that happens to be set.
    expect(await chooseSource({ cwd, env, migrations: 'migrations' })).toEqual({ kind: 'migrations', folder: 'migrations', origin: '--migrations' });
    expect(await chooseSource({ cwd, env: { ...env, TENANTGUARD_DATABASE_URL: 'postgres://tg@h/db' } })).toMatchObject({
      url: 'postgres://tg@h/db',
      origin: 'TENANTGUARD_DATABASE_URL',
    });
    expect(await chooseSource({ cwd, env })).toMatchObject({ url: 'postgres://env@h/db', origin: 'DATABASE_URL' });
    expect(await chooseSource({ cwd, env: {} })).toMatchObject({ url: 'postgres://local@h/db', origin: 'DATABASE_URL in .env.local' });
    await rm(join(cwd, '.env.local'));
    expect(await chooseSource({ cwd, env: {} })).toEqual({ kind: 'migrations', folder: join(cwd, 'migrations'), origin: 'migrations' });
  });

  it('rejects conflicting or empty flags', async () => {
    await expect(chooseSource({ cwd: root, env: {}, db: 'postgres://h/db', migrations: 'x' })).rejects.toBeInstanceOf(UsageError);
    await expect(chooseSource({ cwd: root, env: {}, db: ' ' })).rejects.toThrow('--db needs a database URL');
  });

  it('with nothing to audit, says where it looked and what to pass', async () => {
    const cwd = await project({ 'prisma/migrations/README.md': 'nothing yet' });
    const error = await chooseSource({ cwd, env: {} }).then(() => null, (e: unknown) => e as TenantguardError);
    expect(error).toBeInstanceOf(TenantguardError);
    expect(error!.message).toBe(`no database or migrations folder to audit in ${cwd} (prisma/migrations: no migrations tenantguard can read)`);
    for (const option of ['--db', 'TENANTGUARD_DATABASE_URL', 'DATABASE_URL', '.env.local', '--migrations', 'drizzle.config']) {
      expect(error!.hint).toContain(option);
    }
  });
});

describe('openSource: bad input', () => {
  it('a malformed URL from .env is reported masked', async () => {
    const cwd = await project({ '.env': 'DATABASE_URL=postgres://app:hunter22@db.example.com:port/app\n' });
    const error = await openSource(request({ cwd })).then(() => null, (e: unknown) => e as TenantguardError);
    expect(error).toBeInstanceOf(TenantguardError);
    expect(error!.message).toBe('malformed database URL postgres://app:****@db.example.com:port/app: it cannot be parsed as a URL');
  });

  it('a missing migrations folder fails before any engine starts', async () => {
    await expect(openSource(request({ migrations: 'fixtures/migrations/does-not-exist' }))).rejects.toThrow(
      'migrations folder fixtures/migrations/does-not-exist does not exist',
    );
  });
});

/** Starting PGlite runs initdb in WebAssembly: seconds, more on a busy machine. */
const BOOT_TIMEOUT = 180_000;

describe('openSource: migrations on the embedded engine', () => {
  it('applies the folder, describes it, and closes', async () => {
    const progress: string[] = [];
    const opened = await openSource(request({ migrations: 'fixtures/migrations/drizzle-basic', onProgress: (m) => progress.push(m) }));
    try {
      expect(opened.source).toEqual({ kind: 'migrations', name: 'fixtures/migrations/drizzle-basic' });
      expect(opened.description).toMatch(/^migrations fixtures\/migrations\/drizzle-basic \(drizzle, 2 files\) applied to the embedded PostgreSQL 1\d\.\d+ \(PGlite\)$/);
      expect(progress).toEqual([
        'starting the embedded PostgreSQL engine (PGlite)',
        'applying migration 1/2 0000_init.sql',
        'applying migration 2/2 0001_tasks.sql',
      ]);
      expect(opened.migrations?.files.map((f) => f.statements.length)).toEqual([3, 5]);
      const tables = await withReadOnlyTransaction(opened.connection, async (c) =>
        (await c.query(`SELECT relname, relrowsecurity FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1`)).rows,
      );
      expect(tables).toEqual([
        { relname: 'organizations', relrowsecurity: false },
        { relname: 'projects', relrowsecurity: false },
        { relname: 'tasks', relrowsecurity: true },
      ]);
    } finally {
      await opened.close();
      await opened.close();
    }
    await expect(opened.connection.client.query('SELECT 1')).rejects.toThrow();
  }, BOOT_TIMEOUT);

  it('a failing statement is a MigrationError with file, line and message', async () => {
    const error = await openSource(request({ migrations: 'fixtures/migrations/broken-statement' })).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).message).toBe(
      'fixtures/migrations/broken-statement/0002_policies.sql:12: column "orgnization_id" does not exist',
    );
  }, BOOT_TIMEOUT);
});

describe.skipIf(!serverUrl)('openSource: live database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: 'CREATE TABLE notes (id int)' });
  });
  afterAll(() => db?.close());

  it('connects with DATABASE_URL from .env.local, tagged and limited, described without secrets', async () => {
    const url = new URL(db.url!);
    url.password = 'unused-with-trust';
    const cwd = await project({ '.env.local': `DATABASE_URL=${url}\n` });
    const opened = await openSource(request({ cwd, statementTimeoutMs: 4321, lockTimeoutMs: 1234 }));
    try {
      expect(opened.source).toEqual({ kind: 'database', name: db.name });
      expect(opened.migrations).toBeNull();
      expect(opened.description).toBe(`database ${db.name} on 127.0.0.1:5432 as ${url.username} (password masked), from DATABASE_URL in .env.local`);
      const settings = await withReadOnlyTransaction(opened.connection, async (c) =>
        (await c.query(`SELECT current_setting('application_name') AS app, current_setting('statement_timeout') AS st,
                               current_setting('lock_timeout') AS lt, current_setting('transaction_read_only') AS ro`)).rows[0],
      );
      expect(settings).toEqual({ app: 'tenantguard', st: '4321ms', lt: '1234ms', ro: 'on' });
      const { rows } = await db.client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'tenantguard'`, [db.name]);
      expect(rows[0].n).toBe(1);
    } finally {
      await opened.close();
    }
  });
});
