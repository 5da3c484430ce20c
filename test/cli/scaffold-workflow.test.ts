/**
 * `scaffold migration` workflow: a wrong --out is one line before anything
 * runs, a drizzle project without drizzle-kit is stopped before any question
 * yet can still be dry-run, the exit code follows the verification, and
 * after scaffolding from --db the app role's origin is explained (--setup).
 */
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyDir, runCli } from '../support/cli.js';
import { createTestDatabase, engine } from '../support/db.js';
import { readFileSync } from 'node:fs';

const EXAMPLE_APP = path.resolve(import.meta.dirname, '../../fixtures/example-app');

async function appDir(): Promise<string> {
  const dir = await emptyDir('tenantguard-scaffold-flow-');
  await cp(path.join(EXAMPLE_APP, 'drizzle'), path.join(dir, 'drizzle'), { recursive: true });
  return dir;
}

describe('scaffold migration workflow', () => {
  it('--out given a file, or a path inside a file: one line, exit 2, nothing audited', async () => {
    const cwd = await appDir();
    await writeFile(path.join(cwd, 'notes.txt'), 'x');
    for (const out of ['notes.txt', 'notes.txt/migrations']) {
      const run = await runCli(['scaffold', 'migration', '--migrations', 'drizzle', '--app-role', 'app_user', '--out', out], { cwd });
      expect(run.code, out).toBe(2);
      expect(run.stderr.split('\n')[0], out).toMatch(/^tenantguard: --out takes a folder, and notes\.txt(\/migrations is inside notes\.txt, which)? is a file$/);
      expect(run.stderr).not.toContain('Reading');
    }
  });

  it('a drizzle project without drizzle-kit stops before any question, and --dry-run does not need it', async () => {
    const cwd = await appDir();
    await writeFile(path.join(cwd, 'drizzle.config.ts'), "export default { dialect: 'postgresql', schema: './schema.ts', out: './drizzle' };\n");
    // on a terminal, with no --app-role and nothing injected to answer: a question asked before the check would never return
    const run = await runCli(['scaffold', 'migration', '--migrations', 'drizzle'], { cwd, isTTY: true });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/tenantguard: drizzle-kit is not installed in /);
    expect(run.stderr).not.toContain('Scaffolding');
    const dry = await runCli(['scaffold', 'migration', '--migrations', 'drizzle', '--app-role', 'app_user', '--dry-run'], { cwd });
    expect(dry.stderr).not.toContain('tenantguard:');
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain('would run drizzle-kit generate --custom');
    expect(dry.stdout).toContain('FORCE ROW LEVEL SECURITY');
  });

  it('verifies before writing: the header claims what the copy shows fixed, and --no-verify skips it', async () => {
    const cwd = await appDir();
    const run = await runCli(['scaffold', 'migration', '--migrations', 'drizzle', '--app-role', 'app_user', '--dry-run'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/Verified on a copy: \d+ findings fixed/);
    expect(run.stdout).toContain('Verified: applied to a copy of the audited schema');
    const unverified = await runCli(['scaffold', 'migration', '--migrations', 'drizzle', '--app-role', 'app_user', '--dry-run', '--no-verify'], { cwd });
    expect(unverified.code).toBe(0);
    expect(unverified.stderr).not.toContain('Verified on a copy');
    expect(unverified.stdout).not.toContain('Verified:');
  });

  it('exits 1 when a claimed fix is still reported on the copy: left out of the header, named on stderr', async () => {
    const cwd = await emptyDir('tenantguard-scaffold-flow-');
    await mkdir(path.join(cwd, 'migrations'));
    await writeFile(
      path.join(cwd, 'migrations', '0001_init.sql'),
      `CREATE ROLE app_user LOGIN;
CREATE TABLE organizations (id int PRIMARY KEY);
CREATE TABLE projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations, name text NOT NULL);
CREATE INDEX projects_organization_id_idx ON projects (organization_id);
GRANT SELECT ON organizations, projects TO app_user;
-- writes around RLS, and app_user may not UPDATE projects itself: its fix can only pin the search_path, which leaves the write
CREATE FUNCTION rename_project(p_id int, p_name text) RETURNS void LANGUAGE sql SECURITY DEFINER AS $$ UPDATE projects SET name = p_name WHERE id = p_id $$;
`,
    );
    const run = await runCli(['scaffold', 'migration', '--migrations', 'migrations', '--app-role', 'app_user', '--dry-run'], { cwd });
    expect(run.stderr).not.toContain('tenantguard:');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Verified on a copy: \d+ findings fixed, 1 claimed by the plan still reported \(left out of the header\)/);
    expect(run.stderr).toContain('  not fixed: security-definer-function rename_project: ');
    const header = run.stdout.slice(0, run.stdout.indexOf('\nBEGIN;'));
    expect(header.replace(/\n--\s+/g, ' ')).toContain('NOT fixed by this migration (the audit of the copy still reports them): security-definer-function public.rename_project');
    expect(header).not.toMatch(/^-- {3}security-definer-function /m);
    expect(run.stdout).toContain('SET search_path = pg_catalog, "public", pg_temp;');
  });

  it('exits 2 without writing when the included steps fail on the copy', async () => {
    const cwd = await emptyDir('tenantguard-scaffold-flow-');
    await mkdir(path.join(cwd, 'migrations'));
    await writeFile(path.join(cwd, 'migrations', '0001_init.sql'), readFileSync(path.resolve(import.meta.dirname, '../../fixtures/scaffold/real-app/schema.sql'), 'utf8'));
    const run = await runCli(['scaffold', 'migration', '--migrations', 'migrations', '--app-role', 'app_user', '--yes', '--include', 'not-null', '--out', 'out'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('tenantguard: the planned migration fails when applied to a copy of the database, so nothing was written: column "organization_id" of relation "audit_logs" contains null values');
    expect(await readdir(cwd)).toEqual(['migrations']);
  });

  it.runIf(engine === 'server')('after scaffolding from --db, explains --setup when no migration creates the app role', async () => {
    const db = await createTestDatabase({ setup: readFileSync(path.resolve(import.meta.dirname, '../../fixtures/scaffold/real-app/schema.sql'), 'utf8') });
    try {
      const cwd = await emptyDir('tenantguard-scaffold-flow-');
      const run = await runCli(['scaffold', 'migration', '--db', db.url!, '--app-role', db.role('app_user'), '--yes', '--out', 'migrations'], { cwd });
      expect(run.stderr).not.toContain('tenantguard:');
      expect(run.code).toBe(0);
      expect(run.stderr).toContain(`note: no migration in this folder creates ${db.role('app_user')}`);
      expect(run.stderr).toContain('--setup FILE');
    } finally {
      await db.close();
    }
  });
});
