/**
 * A schema owner cannot run code as the role that audits the schema: every
 * command that reads the database runs with search_path pinned to
 * pg_catalog, pg_temp, and its statements name only pg_catalog objects.
 * The hostile schema shadows every built-in and operator those statements
 * use — the probe's and the generated leak suite's included; if any of them
 * ran, the command would fail with HOSTILE_MARKER and, on a server, a marker
 * file would appear.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG_QUERY } from '../../src/catalog/introspect.sql.js';
import { dirWith, emptyDir, runCli } from '../support/cli.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/db.js';
import { runGeneratedSuites } from '../support/generated-suite.js';
import { HOSTILE_MARKER, HOSTILE_TENANT_SCHEMA, hostileSchemaSql, hostileSearchPathSql } from '../support/hostile-schema.js';

// The server writes it as its own OS user: /tmp itself, not a private temp folder.
const markerFile = serverUrl ? `/tmp/tenantguard-hostile-${randomBytes(6).toString('hex')}` : null;
const hostileSql = hostileSchemaSql({ markerFile });

let db: TestDatabase;
/** --db URL on a server; the same SQL as a migrations folder on the embedded engine. */
let source: string[];

beforeAll(async () => {
  db = await createTestDatabase({ setup: HOSTILE_TENANT_SCHEMA + hostileSql });
  if (serverUrl) {
    await db.client.query(hostileSearchPathSql(db.name));
    source = ['--db', db.url!, '--app-role', db.role('app_user')];
  } else {
    const dir = await dirWith({ 'migrations/0001_schema.sql': HOSTILE_TENANT_SCHEMA, 'migrations/0002_hostile.sql': hostileSql });
    source = ['--migrations', join(dir, 'migrations'), '--app-role', 'app_user'];
  }
});
afterAll(async () => {
  await db?.close();
  if (markerFile) await rm(markerFile, { force: true });
});

function expectNoHostileCode(run: { code: number; stdout: string; stderr: string }): void {
  expect(run.stderr + run.stdout).not.toContain(HOSTILE_MARKER);
  expect(run.stderr).not.toMatch(/internal error|^tenantguard: /m);
  expect([0, 1]).toContain(run.code);
  if (markerFile) expect(existsSync(markerFile)).toBe(false);
}

/** Runs `sql` in a READ ONLY transaction on a connection with the given session search_path (null: the database default). */
async function unpinned(sql: string, searchPath: string | null): Promise<Error | null> {
  const client = db.url ? new pg.Client({ connectionString: db.url }) : db.client;
  if (db.url) await client.connect();
  try {
    if (searchPath) await client.query(`SET search_path = ${searchPath}`);
    // the catalog statement with every part switched on: all schemas, and every schema read as a tenant schema too
    const params = sql.includes('$2') ? [null, '^.*$'] : sql.includes('$1') ? [null] : [];
    const error = await client.query('BEGIN READ ONLY').then(() => client.query(sql, params)).then(
      () => null,
      (e: unknown) => e as Error,
    );
    await client.query('ROLLBACK');
    return error;
  } finally {
    if (db.url) await client.end();
    else if (searchPath) await client.query('RESET search_path');
  }
}

describe('a schema that shadows built-ins and operators', () => {
  it('runs its code in a statement that compares oid with regclass on the default search_path (the fixture is armed)', async () => {
    const error = await unpinned(`SELECT count(*) FROM pg_depend d WHERE d.classid = 'pg_class'::regclass`, '"$user", public');
    expect(error?.message).toContain(HOSTILE_MARKER);
    if (markerFile) {
      expect(existsSync(markerFile)).toBe(true);
      await rm(markerFile, { force: true });
    }
  });

  it('cannot reach the catalog statement even unpinned, on the default search_path: it names only pg_catalog objects', async () => {
    expect(await unpinned(CATALOG_QUERY, '"$user", public')).toBeNull();
    if (markerFile) expect(existsSync(markerFile)).toBe(false);
  });

  it.skipIf(!serverUrl)('does reach it when a database default puts public first, which is why every transaction pins search_path', async () => {
    expect((await unpinned(CATALOG_QUERY, null))?.message).toContain(HOSTILE_MARKER);
    await rm(markerFile!, { force: true });
  });

  it('cannot run code as the role that audits it', async () => {
    expectNoHostileCode(await runCli(['audit', ...source, '--format', 'json']));
    expectNoHostileCode(await runCli(['audit', ...source, '--format', 'json', '--schema-per-tenant', '*']));
  });

  it('cannot run code as the role init reads settings with', async () => {
    const cwd = await emptyDir();
    const run = await runCli(['init', '--yes', ...source.slice(0, 2)], { cwd });
    expectNoHostileCode(run);
    expect(existsSync(join(cwd, 'tenantguard.config.json'))).toBe(true);
  });

  it('cannot run code as the role scaffold migration reads with', async () => {
    const run = await runCli(['scaffold', 'migration', ...source, '--dry-run', '--yes', '--layout', 'plain']);
    expectNoHostileCode(run);
    expect(run.stdout).toContain('ENABLE ROW LEVEL SECURITY');
  });

  it('cannot run code as the role scaffold tests reads with', async () => {
    const run = await runCli(['scaffold', 'tests', ...source, '--dry-run', '--yes']);
    expectNoHostileCode(run);
    expect(run.stdout).toContain('projects');
  });

  it('cannot run code as the role the probe seeds with, nor as the app role it checks as', async () => {
    const run = await runCli(['probe', ...source, '--format', 'json', '--allow-inconclusive']);
    expectNoHostileCode(run);
    // The probe ran its checks: tasks has no row level security, and the probe says so.
    expect(run.stdout).toContain('probe-cross-tenant-read');
  });

  it.skipIf(!serverUrl)('cannot run code through the generated leak suite', async () => {
    await rm(markerFile!, { force: true });
    const cwd = await emptyDir();
    const scaffold = await runCli(['scaffold', 'tests', ...source, '--yes', '--out', 'suite'], { cwd });
    expectNoHostileCode(scaffold);
    const report = await runGeneratedSuites(cwd, db.url!);
    const results = report.testResults.flatMap((file) => file.assertionResults);
    expect(results.filter((r) => r.status === 'passed').length).toBeGreaterThan(0);
    // The leaks of tasks fail their tests; nothing fails because hostile code ran.
    expect(results.filter((r) => r.status === 'failed').map((r) => r.failureMessages.join('\n')).join('\n')).not.toContain(HOSTILE_MARKER);
    expect(existsSync(markerFile!)).toBe(false);
  });
});
