/**
 * `--setup FILE` and config `setup`: SQL kept outside the migrations (the app
 * role and its grants in docker/init.sql) applied before them, so the
 * offline audit judges the role the live database has.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit.js';
import { TenantguardError } from '../../src/errors.js';
import { dirWith } from '../support/cli.js';

const cacheDir = await mkdtemp(join(tmpdir(), 'tenantguard-cache-'));
afterAll(() => rm(cacheDir, { recursive: true, force: true }));

const MIGRATIONS = {
  'migrations/001_init.sql': `CREATE TABLE organizations (id int PRIMARY KEY);
CREATE TABLE invoices (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON invoices USING (organization_id = NULLIF(current_setting('app.current_org_id', true), '')::int);
`,
  // Kept outside the migrations, as docker/init.sql is: the role the app logs in as, and a grant that lets it empty every tenant's rows.
  'docker/init.sql': `CREATE ROLE app_user LOGIN;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO app_user;
`,
};

const audit = (cwd: string, options: { setup?: string[] } = {}) =>
  runAudit({ cwd, env: { TENANTGUARD_CACHE_DIR: cacheDir }, offline: true, appRole: 'app_user', ...options });

describe('setup SQL applied before the migrations', () => {
  it('without it, the app role created outside the migrations stops the audit and points at --setup', async () => {
    const cwd = await dirWith(MIGRATIONS);
    const error = await audit(cwd).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(TenantguardError);
    expect((error as TenantguardError).message).toMatch(/the app role "app_user" is not created by the migrations in migrations: it is created outside them/);
    expect((error as TenantguardError).hint).toMatch(/--setup FILE \(or "setup" in tenantguard\.config\.json\)/);
  });

  it('--setup FILE: the role and the grants its default privileges give are judged as on the live database', async () => {
    const cwd = await dirWith(MIGRATIONS);
    const result = await audit(cwd, { setup: ['docker/init.sql'] });
    const truncate = result.findings.find((f) => f.rule === 'truncate-granted');
    expect(truncate?.object.name).toBe('app_user');
    expect(truncate?.message).toMatch(/public\.invoices/);
  });

  it('config "setup", relative to the config file', async () => {
    const cwd = await dirWith({
      ...Object.fromEntries(Object.entries(MIGRATIONS).map(([path, text]) => [`app/${path}`, text])),
      'app/tenantguard.config.json': JSON.stringify({ setup: ['docker/init.sql'] }),
    });
    const result = await audit(join(cwd, 'app'));
    expect(result.findings.some((f) => f.rule === 'truncate-granted' && f.object.name === 'app_user')).toBe(true);
  });

  it('a setup file that does not exist is one line and a hint', async () => {
    const cwd = await dirWith(MIGRATIONS);
    const error = await audit(cwd, { setup: ['docker/missing.sql'] }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(TenantguardError);
    expect((error as TenantguardError).message).toBe('setup file docker/missing.sql does not exist');
  });
});
