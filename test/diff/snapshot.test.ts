/**
 * `tenantguard snapshot` writes the access matrix; `diff --base-snapshot`
 * compares a head against it; `diff --base-db --db` compares two live
 * databases (server only). Widenings are classified the same way whatever
 * the base, and are never probed on a live database.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessMatrix, DiffResult } from '../../src/diff/index.js';
import { expectUsageFailure, runCli } from '../support/cli.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/db.js';
import { repository, type Repository } from './support.js';

const BASE = `CREATE ROLE app_user;
CREATE TABLE organizations (id uuid PRIMARY KEY);
CREATE TABLE projects (id uuid PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations (id));
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY projects_tenant ON projects USING (organization_id = current_setting('app.current_org_id')::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON projects TO app_user;
`;
const WIDEN = 'CREATE POLICY projects_public ON projects FOR SELECT USING (true);\n';

describe('tenantguard snapshot and diff --base-snapshot', () => {
  let repo: Repository;
  beforeAll(async () => {
    repo = await repository({ 'migrations/001_init.sql': BASE, 'tenantguard.config.json': JSON.stringify({ appRole: 'app_user' }) });
  });
  afterAll(async () => {
    await repo?.remove();
  });

  it('writes a versioned access matrix and compares the working tree against it', async () => {
    const snapshot = await runCli(['snapshot', '--migrations', 'migrations', '--output', 'access.json'], { cwd: repo.dir });
    expect(snapshot.code).toBe(0);
    expect(snapshot.stderr).toContain('Access matrix written to access.json');
    const matrix = JSON.parse(await readFile(join(repo.dir, 'access.json'), 'utf8')) as AccessMatrix;
    expect(matrix).toMatchObject({ tool: 'tenantguard', document: 'access-matrix', formatVersion: 1, tenantColumn: 'organization_id', appRole: 'app_user' });
    expect(matrix.tables.map((t) => [t.name, t.rls, t.force, t.cells.map((c) => `${c.role} ${c.command} ${c.rows} ${c.check}`)])).toEqual([
      ['projects', true, false, ['app_user SELECT own null', 'app_user INSERT null own', 'app_user UPDATE own own', 'app_user DELETE own null']],
    ]);

    await repo.change({ 'migrations/002_public.sql': WIDEN });
    const run = await runCli(['diff', '--base-snapshot', 'access.json', '--format', 'json'], { cwd: repo.dir });
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as DiffResult;
    expect(result.base.label).toBe('snapshot access.json');
    expect(result.probed).toBe(false);
    expect(result.changes).toEqual([
      expect.objectContaining({ class: 'widened', role: 'app_user', commands: ['SELECT'], location: { file: 'migrations/002_public.sql', line: 1 } }),
    ]);
    expect(result.changes[0]!.proof).toBeUndefined();
  });

  it('refuses a file that is not an access matrix of this format, in one line', async () => {
    await writeFile(join(repo.dir, 'old.json'), JSON.stringify({ tool: 'tenantguard', document: 'access-matrix', formatVersion: 99 }));
    expectUsageFailure(await runCli(['diff', '--base-snapshot', 'old.json'], { cwd: repo.dir }), /^tenantguard: old\.json has access-matrix format 99; this tenantguard reads format 1$/);
    await writeFile(join(repo.dir, 'damaged.json'), JSON.stringify({ tool: 'tenantguard', document: 'access-matrix', formatVersion: 1, source: { kind: 'migrations', name: 'x' }, tenantColumn: 'organization_id', appRole: 'app_user', tables: [{}], views: [], functions: [] }));
    expectUsageFailure(await runCli(['diff', '--base-snapshot', 'damaged.json'], { cwd: repo.dir }), /^tenantguard: damaged\.json is damaged: snapshot\.tables\[0\]\.schema must be a string$/);
  });
});

describe.skipIf(!serverUrl)('tenantguard diff --base-db --db', () => {
  let base: TestDatabase;
  let headUrl: string;
  const headName = `tenantguard_test_head_${process.pid}_${Date.now()}`;

  beforeAll(async () => {
    base = await createTestDatabase();
    await base.exec(BASE);
    // The head shares the base's (cluster-wide) roles, so both sides speak of the same app role.
    const admin = new pg.Client({ connectionString: serverUrl! });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(headName)}`);
    await admin.end();
    const url = new URL(serverUrl!);
    url.pathname = `/${headName}`;
    headUrl = url.toString();
    const head = new pg.Client({ connectionString: headUrl });
    await head.connect();
    await head.query(base.sql(BASE.replace(/^CREATE ROLE.*\n/, '') + WIDEN));
    await head.end();
  });
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: serverUrl! });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(headName)} WITH (FORCE)`);
    await admin.end();
    await base?.close();
  });

  it('compares two live databases without probing them', async () => {
    const run = await runCli(['diff', '--base-db', base.url!, '--db', headUrl, '--app-role', base.role('app_user'), '--format', 'json'], {});
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as DiffResult;
    expect(result.probed).toBe(false);
    expect(result.changes).toEqual([
      expect.objectContaining({ class: 'widened', object: { kind: 'table', schema: 'public', name: 'projects' }, role: base.role('app_user'), commands: ['SELECT'] }),
    ]);
    expect(result.changes[0]!.location).toBeUndefined();
  });
});
