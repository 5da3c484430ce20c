/**
 * `scaffold migration --create-app-role`: when the app role lives outside the
 * migrations (docker/init.sql, the platform), the migration opens with a
 * guard that creates it NOLOGIN if missing, then grants it what it holds in
 * the audited database, so the migration applies on a fresh database and the
 * offline audit of the folder sees the role reach what the live audit saw. Only with the
 * flag, only when no migration creates the role, only from --db; the guard
 * is a no-op where the role exists and never alters it.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMigrationTemplates, renderMigration } from '../../src/scaffold/migration/render.js';
import type { MigrationPlan } from '../../src/scaffold/migration/types.js';
import { quoteIdent } from '../../src/sql/quote.js';
import { emptyDir, runCli } from '../support/cli.js';
import { createTestDatabase, engine } from '../support/db.js';

const SCHEMA = `CREATE TABLE organizations (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE projects (id bigint PRIMARY KEY, organization_id bigint NOT NULL REFERENCES organizations (id), name text NOT NULL);
CREATE INDEX projects_organization_id_idx ON projects (organization_id);
`;
/** What docker/init.sql would hold: the app role and its grants, outside the migrations. */
const OUTSIDE = `CREATE ROLE app_user LOGIN;
GRANT SELECT ON organizations TO app_user;
GRANT SELECT, INSERT, UPDATE, DELETE ON projects TO app_user;
`;

async function roleRow(client: { query: (sql: string, values: unknown[]) => Promise<{ rows: { rolcanlogin: boolean }[] }> }, role: string) {
  return (await client.query('SELECT rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = $1', [role])).rows;
}

function guardPlan(appRole: string): MigrationPlan {
  return { tables: [], appRole, tenantColumn: 'organization_id', contextSetting: 'app.current_org_id', findings: [], notes: [], steps: [], review: [], included: [], createAppRole: true };
}

describe('scaffold migration --create-app-role', () => {
  it('the guard creates a missing role NOLOGIN, is a no-op when applied again, and leaves an existing role as it is', async () => {
    const db = await createTestDatabase({ roles: ['App "Role" x', 'existing'] });
    try {
      const templates = await loadMigrationTemplates();
      const missing = db.role('App "Role" x');
      const guard = renderMigration(guardPlan(missing), templates).statements;
      expect(guard).toHaveLength(1);
      expect(guard[0]).toContain(`CREATE ROLE ${quoteIdent(missing)} NOLOGIN;`);
      expect(guard[0]).not.toMatch(/ALTER\s+ROLE/i);
      expect(await roleRow(db.client, missing)).toEqual([]);
      await db.client.query(guard.join('\n\n'));
      expect(await roleRow(db.client, missing)).toEqual([{ rolcanlogin: false }]);
      await db.client.query(guard.join('\n\n'));
      expect(await roleRow(db.client, missing)).toEqual([{ rolcanlogin: false }]);

      const existing = db.role('existing');
      await db.client.query(`CREATE ROLE ${quoteIdent(existing)} LOGIN`);
      await db.client.query(renderMigration(guardPlan(existing), templates).statements.join('\n\n'));
      expect(await roleRow(db.client, existing)).toEqual([{ rolcanlogin: true }]);
    } finally {
      await db.close();
    }
  });

  it('from a migrations folder (--migrations, or found in the working directory): one line, exit 2, nothing written', async () => {
    const cwd = await emptyDir('tenantguard-role-guard-');
    await mkdir(path.join(cwd, 'migrations'));
    // The folder creates the role itself: it is audited fine, and only the flag is refused.
    await writeFile(path.join(cwd, 'migrations', '0001_schema.sql'), SCHEMA + OUTSIDE);
    for (const source of [['--migrations', 'migrations'], []]) {
      const run = await runCli(['scaffold', 'migration', ...source, '--app-role', 'app_user', '--yes', '--create-app-role', '--out', 'out'], { cwd });
      expect(run.code, source.join(' ')).toBe(2);
      const errors = run.stderr.split('\n').filter((line) => line.startsWith('tenantguard:'));
      expect(errors).toEqual(['tenantguard: --create-app-role applies to scaffolding from a live database (--db): a migrations folder has the app role only when its migrations or --setup create it']);
      expect(run.stderr).toContain('hint: scaffold from --db URL, or create the role in a migration of your own');
      // An explicit --migrations is refused before the folder is read.
      if (source.length > 0) expect(run.stderr).not.toContain('Reading');
      expect(await readdir(cwd)).toEqual(['migrations']);
    }
  });

  it.runIf(engine === 'server')('from --db: written only with the flag and only when no migration creates the role; the folder then applies on a fresh database, twice', async () => {
    const db = await createTestDatabase({ setup: SCHEMA + OUTSIDE });
    const role = db.role('app_user');
    let fresh: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
    try {
      const cwd = await emptyDir('tenantguard-role-guard-');
      await mkdir(path.join(cwd, 'migrations'));
      await writeFile(path.join(cwd, 'migrations', '0001_schema.sql'), SCHEMA);
      const args = ['scaffold', 'migration', '--db', db.url!, '--app-role', role, '--yes', '--out', 'migrations'];

      const without = await runCli([...args, '--dry-run'], { cwd });
      expect(without.code).toBe(0);
      expect(without.stdout).toContain('CREATE POLICY');
      expect(without.stdout).not.toContain('CREATE ROLE');

      const other = await emptyDir('tenantguard-role-guard-');
      await mkdir(path.join(other, 'migrations'));
      await writeFile(path.join(other, 'migrations', '0001_schema.sql'), `CREATE ROLE ${quoteIdent(role)} LOGIN;\n${SCHEMA}`);
      const created = await runCli([...args, '--dry-run', '--create-app-role'], { cwd: other });
      expect(created.code).toBe(0);
      expect(created.stdout).not.toContain('NOLOGIN');
      expect(created.stderr).toContain(`--create-app-role: a migration in ${path.join(other, 'migrations')} already creates ${role}; no guard written`);

      const run = await runCli([...args, '--create-app-role'], { cwd });
      expect(run.stderr).not.toContain('tenantguard:');
      expect(run.code).toBe(0);
      expect(run.stderr).not.toContain('note: no migration in this folder creates');
      expect(run.stderr).toContain(`--create-app-role: the guard also grants ${role} what it holds on 2 objects here`);
      const file = (await readdir(path.join(cwd, 'migrations'))).find((f) => f !== '0001_schema.sql')!;
      const text = await readFile(path.join(cwd, 'migrations', file), 'utf8');
      const guardAt = text.indexOf(`CREATE ROLE ${quoteIdent(role)} NOLOGIN;`);
      expect(guardAt).toBeGreaterThan(0);
      expect(guardAt).toBeLessThan(text.indexOf('CREATE POLICY'));
      expect(text).not.toMatch(/ALTER\s+ROLE/i);
      expect(text.match(/CREATE ROLE/g)).toHaveLength(1);
      const grantAt = text.indexOf(`GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "public"."projects" TO ${quoteIdent(role)};`);
      expect(grantAt).toBeGreaterThan(guardAt);
      expect(grantAt).toBeLessThan(text.indexOf('CREATE POLICY'));
      expect(text).toContain(`GRANT SELECT ON TABLE "public"."organizations" TO ${quoteIdent(role)};`);

      // The offline audit of the updated folder applies it to the embedded engine, which has no such role.
      const offline = await runCli(['audit', '--migrations', 'migrations', '--app-role', role], { cwd });
      expect(offline.stderr).not.toContain('tenantguard:');
      expect(offline.code).not.toBe(2);

      // A fresh database without the role: the schema, then the scaffolded file twice.
      await db.close();
      fresh = await createTestDatabase({ setup: SCHEMA });
      expect(await roleRow(fresh.client, role)).toEqual([]);
      await fresh.client.query(text);
      expect(await roleRow(fresh.client, role)).toEqual([{ rolcanlogin: false }]);
      await fresh.client.query(text);
      expect(await roleRow(fresh.client, role)).toEqual([{ rolcanlogin: false }]);
      // it got the grants it holds in the audited database, and no more
      const privileges = await fresh.client.query(
        `SELECT pg_catalog.has_table_privilege($1, 'public.projects', 'UPDATE') AS update_projects, pg_catalog.has_table_privilege($1, 'public.organizations', 'UPDATE') AS update_organizations`,
        [role],
      );
      expect(privileges.rows).toEqual([{ update_projects: true, update_organizations: false }]);
    } finally {
      await db.close().catch(() => {});
      if (fresh) {
        // The role the guard created is named for the first database, so the second's cleanup does not know it.
        await fresh.client.query(`DROP OWNED BY ${quoteIdent(role)}`).catch(() => {});
        await fresh.client.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`).catch(() => {});
        await fresh.close();
      }
    }
  });
});
