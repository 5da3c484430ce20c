/**
 * `tenantguard scaffold migration` and `scaffold helper` through the CLI:
 * settings from flags, config or prompts; no prompt without a terminal;
 * dry runs; what is printed.
 */
import { cp, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import prompts from 'prompts';
import { describe, expect, it } from 'vitest';
import { dirWith, emptyDir, runCli } from '../support/cli.js';

const EXAMPLE_APP = path.resolve(import.meta.dirname, '../../fixtures/example-app');
const REAL_APP = path.resolve(import.meta.dirname, '../../fixtures/scaffold/real-app/schema.sql');

/** The real-app case as a migrations folder: its plan holds not-null, restrictive-policy and unique-scope steps for review. */
async function realApp(): Promise<string> {
  return dirWith({ 'migrations/0001_init.sql': await readFile(REAL_APP, 'utf8') });
}

/** Lines of the file that run (not comments). */
const executable = (sql: string) => sql.split('\n').filter((l) => !l.trim().startsWith('--')).join('\n');

/** The example app's migrations without its config: nothing says which role the app uses. */
async function appWithoutConfig(): Promise<string> {
  const dir = await emptyDir('tenantguard-scaffold-cli-');
  await cp(path.join(EXAMPLE_APP, 'drizzle'), path.join(dir, 'drizzle'), { recursive: true });
  return dir;
}

describe('scaffold migration', () => {
  it('without a terminal never prompts: a missing app role is exit 2, naming the flag', async () => {
    const cwd = await appWithoutConfig();
    const run = await runCli(['scaffold', 'migration', '--migrations', 'drizzle'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/tenantguard: missing the app role the policies apply to: --app-role ROLE or "appRole" in tenantguard.config.json \(roles that reach the tenant tables: app_user\)/);
    expect(run.stderr).toContain('hint: without a terminal tenantguard never prompts');
    expect(await readdir(cwd)).toEqual(['drizzle']);
  });

  it('--dry-run prints the migration to stdout and writes nothing', async () => {
    const cwd = await appWithoutConfig();
    const run = await runCli(['scaffold', 'migration', '--migrations', 'drizzle', '--app-role', 'app_user', '--dry-run'], { cwd });
    expect(run.stderr).not.toContain('tenantguard:');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^-- tenantguard: tenant isolation for public.invitations/);
    expect(run.stdout).toContain('\nBEGIN;\n');
    expect(run.stdout).toContain('CREATE POLICY "tenant_isolation" ON "public"."tasks" AS RESTRICTIVE FOR ALL TO "app_user"');
    expect(run.stderr).toMatch(/would write migrations\/\d{14}_tenant_isolation\.sql/);
    expect(run.stderr).toContain('Dry run: nothing written.');
    expect(await readdir(cwd)).toEqual(['drizzle']);
  });

  it('--yes writes in the chosen layout and prints the path and the next command', async () => {
    const cwd = await appWithoutConfig();
    const run = await runCli(
      ['scaffold', 'migration', '--migrations', 'drizzle', '--yes', '--layout', 'supabase', '--name', 'rls', '--table', 'tasks', '--drizzle-schema'],
      { cwd },
    );
    expect(run.stderr).not.toContain('tenantguard:');
    expect(run.code).toBe(0);
    const [file] = await readdir(path.join(cwd, 'supabase', 'migrations'));
    expect(file).toMatch(/^\d{14}_rls\.sql$/);
    expect(run.stdout).toContain(`wrote supabase/migrations/${file}\n`);
    expect(run.stdout).toContain('next: review it, apply it (supabase migration up');
    // the single login role that reaches the tenant tables, accepted by --yes
    expect(run.stderr).toContain('Using app role app_user');
    const text = await readFile(path.join(cwd, 'supabase', 'migrations', file!), 'utf8');
    expect(text).toMatch(/^-- tenantguard: tenant isolation for public.tasks\n/);
    expect(text).not.toContain('"public"."projects" FORCE');
    expect(run.stdout).toContain("pgPolicy('tenant_isolation', {");
    expect(run.stdout).toContain("organizationId: uuid('organization_id').notNull().references(() => organizations.id)");
  });

  it('rejects an unknown table and an unsafe name with exit 2', async () => {
    const cwd = await appWithoutConfig();
    const unknown = await runCli(['scaffold', 'migration', '--migrations', 'drizzle', '--app-role', 'app_user', '--table', 'nope', '--dry-run'], { cwd });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('tenantguard: --table nope: no such tenant table');
    const badName = await runCli(['scaffold', 'migration', '--name', '../evil'], { cwd });
    expect(badName.code).toBe(2);
    expect(badName.stderr).toContain('--name');
  });

  it('on a terminal asks for the settings and the tables, then for confirmation', async () => {
    const cwd = await appWithoutConfig();
    prompts.inject(['organization_id', 'app.current_org_id', 'app_user', ['public.invitations'], true]);
    const run = await runCli(['scaffold', 'migration', '--migrations', 'drizzle', '--layout', 'plain'], { cwd, isTTY: true });
    expect(run.stderr).not.toContain('tenantguard:');
    expect(run.code).toBe(0);
    const [file] = await readdir(path.join(cwd, 'migrations'));
    const text = await readFile(path.join(cwd, 'migrations', file!), 'utf8');
    expect(text).toMatch(/^-- tenantguard: tenant isolation for public.invitations\n/);
    expect(text).toContain('AS PERMISSIVE FOR ALL TO "app_user"');
  });

  it('on a terminal asks once per held kind, default no: the kinds answered yes are written as statements', async () => {
    const cwd = await realApp();
    const tables = ['public.audit_logs', 'public.invites', 'public.projects', 'public.refresh_tokens'];
    // settings, tables, then not-null, restrictive-policy, unique-scope (sorted), then the confirmation
    prompts.inject(['organization_id', 'app.current_org_id', 'app_user', tables, false, false, true, true]);
    const run = await runCli(['scaffold', 'migration', '--migrations', 'migrations', '--layout', 'plain', '--out', 'out'], { cwd, isTTY: true });
    expect(run.stderr).not.toContain('tenantguard:');
    const [file] = await readdir(path.join(cwd, 'out'));
    const text = await readFile(path.join(cwd, 'out', file!), 'utf8');
    expect(executable(text)).toContain('ADD CONSTRAINT "projects_slug_key" UNIQUE ("organization_id", "slug")');
    expect(text).toContain('Written as statements because --include selected them: unique-scope');
    expect(executable(text)).not.toContain('SET NOT NULL');
    expect(text).toMatch(/-- \[not-null\] /);
    expect(text).toMatch(/-- \[restrictive-policy\] /);
  });

  it('asks nothing about held kinds when stdin is not a terminal, or when --include decides', async () => {
    const cwd = await realApp();
    const piped = await runCli(['scaffold', 'migration', '--migrations', 'migrations', '--app-role', 'app_user', '--dry-run'], { cwd, isTTY: true, stdinIsTTY: false });
    expect(piped.stderr).not.toContain('tenantguard:');
    for (const kind of ['not-null', 'restrictive-policy', 'unique-scope']) expect(piped.stdout).toContain(`-- [${kind}] `);
    // settings and tables are asked, the held kinds are not: --include decided them
    prompts.inject(['organization_id', 'app.current_org_id', 'app_user', ['public.audit_logs', 'public.projects']]);
    const included = await runCli(['scaffold', 'migration', '--migrations', 'migrations', '--include', 'unique-scope', '--dry-run'], { cwd, isTTY: true });
    expect(included.stderr).not.toContain('tenantguard:');
    expect(executable(included.stdout)).toContain('ADD CONSTRAINT "projects_slug_key" UNIQUE ("organization_id", "slug")');
    expect(included.stdout).toContain('-- [not-null] ');
  });
});

describe('scaffold helper', () => {
  it('writes withRLS with the configured setting, refuses to overwrite without --force, and dry-runs', async () => {
    const cwd = await dirWith({ 'tenantguard.config.json': JSON.stringify({ contextSetting: 'app.tenant_id' }) });
    const first = await runCli(['scaffold', 'helper'], { cwd });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('created src/lib/with-rls.ts');
    const text = await readFile(path.join(cwd, 'src/lib/with-rls.ts'), 'utf8');
    expect(text).toContain("const TENANT_SETTING = 'app.tenant_id';");
    expect(text).toContain('set_config(${TENANT_SETTING}, ${orgId}, true)');

    const again = await runCli(['scaffold', 'helper'], { cwd });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('tenantguard: src/lib/with-rls.ts already exists');
    expect(again.stderr).toContain('--force');

    const dry = await runCli(['scaffold', 'helper', '--out', 'lib/db-with-rls.ts', '--dry-run'], { cwd });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('export async function withRLS<T>');
    expect(dry.stderr).toContain('would write lib/db-with-rls.ts');
    expect(await readdir(cwd)).not.toContain('lib');
  });
});
