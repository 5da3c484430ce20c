/**
 * `tenantguard scaffold tests` end to end (in-process CLI): the files it
 * plans, dry runs, refusing to overwrite, --table, the todo report, and
 * choosing the app role. The schema is read from a database on the server
 * engine, from a migrations folder (the embedded engine) otherwise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirWith, emptyDir, runCli, type CliRun } from '../../support/cli.js';
import { createTestDatabase, engine, type TestDatabase } from '../../support/db.js';
import { scenarioSql } from '../../support/leak-scenarios.js';

/** Exit 2 and a `tenantguard:` line then a `hint:` line, ending stderr; no stack trace, nothing on stdout. */
function expectRefusal(run: CliRun, message: RegExp): void {
  const lines = run.stderr.trimEnd().split('\n');
  expect(run.code, run.stderr).toBe(2);
  expect(lines.at(-2)).toMatch(message);
  expect(lines.at(-2)).toMatch(/^tenantguard: /);
  expect(lines.at(-1)).toMatch(/^hint: /);
  expect(run.stderr).not.toMatch(/\n\s+at |this is a bug/);
  expect(run.stdout).toBe('');
}

const SUITE = ['setup.ts', 'verdicts.ts', 'tenant-isolation.test.ts', 'tenant-tables.ts'];
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const databases: TestDatabase[] = [];

/** The CLI's source options for a schema, and the app role's name in it. */
async function sourceFor(sql: string): Promise<{ cwd: string; source: string[]; role: string }> {
  if (engine === 'server') {
    const db = await createTestDatabase({ setup: sql });
    databases.push(db);
    return { cwd: await emptyDir(), source: ['--db', db.url!], role: db.role('app_user') };
  }
  return { cwd: await dirWith({ 'migrations/0001_init.sql': sql }), source: ['--migrations', 'migrations'], role: 'app_user' };
}

const MIGRATION = `CREATE ROLE app_user;
${scenarioSql('isolated')}
CREATE DOMAIN cents AS integer CHECK (VALUE >= 0);
CREATE TABLE refunds (id serial PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations, amount cents NOT NULL);
GRANT SELECT, INSERT ON refunds TO app_user;
`;

// On the embedded engine every run boots an instance and applies the migrations.
describe('scaffold tests (CLI)', { timeout: 240_000 }, () => {
  let cwd: string;
  let source: string[];
  let role: string;
  const args = (...rest: string[]) => ['scaffold', 'tests', ...source, '--app-role', role, ...rest];

  beforeAll(async () => {
    ({ cwd, source, role } = await sourceFor(MIGRATION));
  });
  afterAll(async () => {
    for (const db of databases) await db.close();
  });

  it('prints the suite on a dry run and writes nothing', async () => {
    const run = await runCli(args('--dry-run'), { cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('would write test/tenant-isolation/tenant-tables.ts');
    expect(run.stderr).toContain('todo public.refunds: cannot seed: column "amount" has domain type public.cents');
    expect(run.stdout).toContain("import type { IsolationData } from './setup.js';");
    expect(run.stdout).toContain("describe.each(data.tables.map(");
    expect(run.stdout).toContain('TENANT_TEST_DATABASE_URL');
    expect(existsSync(join(cwd, 'test'))).toBe(false);
  });

  it('writes the suite\'s files, then refuses to overwrite them without --force', async () => {
    const first = await runCli(args(), { cwd });
    expect(first.code, first.stderr).toBe(0);
    const dir = join(cwd, 'test', 'tenant-isolation');
    const data = readFileSync(join(dir, 'tenant-tables.ts'), 'utf8');
    const literal = JSON.parse(data.slice(data.indexOf('= {') + 2, data.lastIndexOf(';')));
    expect(literal.tables.map((t: { table: string }) => t.table)).toEqual(['public.comments', 'public.invoices', 'public.projects', 'public.tasks']);
    expect(literal.todo).toEqual([expect.objectContaining({ table: 'public.refunds', role })]);
    expect(literal.tables[0].setRole).toBe(`SET LOCAL ROLE "${role}"`);
    // The suite imports only pg and vitest, and its own files.
    for (const file of SUITE) {
      const imports = [...readFileSync(join(dir, file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
      expect(imports.every((m) => ['pg', 'vitest', './setup.js', './tenant-tables.js', './verdicts.js'].includes(m!))).toBe(true);
    }
    // The verdicts are the probe's own, copied verbatim.
    expect(readFileSync(join(dir, 'verdicts.ts'), 'utf8')).toContain(readFileSync(join(ROOT, 'src/isolation/verdicts.ts'), 'utf8'));

    // The generated TypeScript compiles under --strict, with only pg's and vitest's types.
    await symlink(join(ROOT, 'node_modules'), join(cwd, 'node_modules'), 'dir');
    const { execa } = await import('execa');
    const tsc = await execa(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext',
        '--target', 'es2022', '--skipLibCheck', '--types', 'node', ...SUITE.map((f) => join(dir, f))],
      { cwd, reject: false },
    );
    expect(tsc.exitCode, tsc.stdout).toBe(0);

    const again = await runCli(args(), { cwd });
    expectRefusal(again, /test\/tenant-isolation\/tenant-tables\.ts already exists/);
    const forced = await runCli(args('--force'), { cwd });
    expect(forced.code, forced.stderr).toBe(0);
  });

  it('covers only the tables named with --table, and rejects a name that is not a tenant table', async () => {
    const run = await runCli(args('--table', 'projects', '--dry-run'), { cwd });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('1 tenant table covered: public.projects');
    const bad = await runCli(args('--table', 'plans', '--dry-run'), { cwd });
    expectRefusal(bad, /"plans" is not a tenant table/);
  });

  it('asks for --app-role when several roles could be the application', async () => {
    const other = await sourceFor(`${MIGRATION}\nCREATE ROLE reporting;\nGRANT SELECT ON projects TO reporting;`);
    const run = await runCli(['scaffold', 'tests', ...other.source, '--dry-run'], { cwd: other.cwd });
    expectRefusal(run, /several roles have privileges on the tenant tables \(\S*app_user, \S*reporting\)/);
  });
});
