/**
 * After scaffolding from --db, `audit --offline` on the updated migrations
 * folder gives the verdict the live audit gives once the migration is applied:
 * the same findings (rule, object, severity, folded consequences). On the
 * example app, whose migrations create the app role, and on a scenario whose
 * app role and grants live outside the migrations (docker/init.sql), where
 * --create-app-role's guard carries the role and its grants into the folder.
 * Needs a server: the scaffold reads a live database by URL.
 */
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { quoteIdent } from '../../src/sql/quote.js';
import { dirWith, emptyDir, runCli } from '../support/cli.js';
import { createTestDatabase, engine, type TestDatabase } from '../support/db.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures');

interface JsonObject {
  kind: string;
  schema: string | null;
  table?: string;
  name: string;
}
interface JsonFinding {
  rule: string;
  severity: string;
  object: JsonObject;
  related: { rule: string; object: JsonObject }[];
}

const objectText = (o: JsonObject) => `${o.kind} ${[o.schema, o.table !== o.name ? o.table : undefined, o.name].filter(Boolean).join('.')}`;

/** One line per finding, sorted; on a server, roles of other test databases (cluster-wide) are left out. */
async function verdict(db: TestDatabase, args: string[], cwd: string): Promise<string[]> {
  const run = await runCli(['audit', ...args, '--format', 'json', '--fail-on', 'never'], { cwd });
  expect(run.stderr, args.join(' ')).not.toContain('tenantguard:');
  expect(run.code, args.join(' ')).toBe(0);
  return (JSON.parse(run.stdout).findings as JsonFinding[])
    .filter((f) => f.object.kind !== 'role' || !db.isForeignTestRole(f.object.name))
    .map((f) => `${f.rule} ${f.severity} ${objectText(f.object)}${f.related.map((r) => ` ← ${r.rule} ${objectText(r.object)}`).join('')}`)
    .sort();
}

/** Scaffolds from the live database into `folder`, applies the new file there, and compares both audits. */
async function scaffoldAndCompare(db: TestDatabase, cwd: string, folder: string, extra: string[]): Promise<{ text: string; stderr: string; live: string[] }> {
  const before = new Set(await readdir(path.join(cwd, folder)));
  const run = await runCli(['scaffold', 'migration', '--db', db.url!, '--yes', '--layout', 'plain', '--out', folder, ...extra], { cwd });
  expect(run.stderr).not.toContain('tenantguard:');
  expect(run.code).toBe(0);
  const [file] = (await readdir(path.join(cwd, folder))).filter((f) => !before.has(f) && f.endsWith('.sql'));
  const text = await readFile(path.join(cwd, folder, file!), 'utf8');

  const offline = await verdict(db, ['--offline', '--migrations', folder], cwd);
  await db.client.query(text);
  const live = await verdict(db, ['--db', db.url!], cwd);
  expect(offline).toEqual(live);
  return { text, stderr: run.stderr, live };
}

describe.runIf(engine === 'server')('scaffold from --db, then audit --offline on the folder = the live audit', () => {
  it('the example app: its migrations create the app role', async () => {
    const app = path.join(FIXTURES, 'example-app');
    const files = ['0000_init.sql', '0001_rls.sql'];
    const sql = (await Promise.all(files.map((f) => readFile(path.join(app, 'drizzle', f), 'utf8')))).join(';\n');
    const db = await createTestDatabase({ setup: sql });
    try {
      const cwd = await emptyDir('tenantguard-parity-');
      await cp(path.join(app, 'drizzle'), path.join(cwd, 'drizzle'), { recursive: true });
      // the folder names the role as the live database does (roles are namespaced per test database)
      for (const f of files) await writeFile(path.join(cwd, 'drizzle', f), db.sql(await readFile(path.join(app, 'drizzle', f), 'utf8')));
      const config = JSON.parse(await readFile(path.join(app, 'tenantguard.config.json'), 'utf8')) as Record<string, unknown>;
      await writeFile(path.join(cwd, 'tenantguard.config.json'), JSON.stringify({ ...config, $schema: undefined, appRole: db.role('app_user') }));
      const { text, live } = await scaffoldAndCompare(db, cwd, 'drizzle', []);
      expect(text).not.toContain('CREATE ROLE');
      // the migration fixed what it claimed: the verdict compared is not the unfixed one
      expect(live.some((l) => l.startsWith('rls-disabled error table public.invitations'))).toBe(false);
    } finally {
      await db.close();
    }
  });

  it('scenario h1-team-id-no-rls: the app role and its grants outside the migrations, carried by --create-app-role', async () => {
    const schema = await readFile(path.join(FIXTURES, 'scenarios/h1-team-id-no-rls/schema.sql'), 'utf8');
    // what docker/init.sql would hold: the role and its grants; the rest is the migrations
    const outside = schema.split('\n').filter((l) => /^(CREATE ROLE|GRANT) /.test(l));
    expect(outside).toHaveLength(2);
    const migration = schema.split('\n').filter((l) => !outside.includes(l)).join('\n');
    const db = await createTestDatabase({ setup: `${migration}\n${outside.join('\n')}` });
    const role = db.role('app_user');
    try {
      const cwd = await dirWith({
        'migrations/0001_schema.sql': db.sql(migration),
        'tenantguard.config.json': JSON.stringify({ tenantColumn: 'team_id', appRole: role }),
      });
      // only projects: the other tables keep their holes, whose severity depends on what the role is granted
      const { text, stderr, live } = await scaffoldAndCompare(db, cwd, 'migrations', ['--create-app-role', '--table', 'projects']);
      // an error only because the role reaches it: offline, the role would reach it only through the guard's grants
      expect(live).toContain('rls-disabled error table public.members');
      expect(stderr).toContain(`--create-app-role: the guard also grants ${role} what it holds on 5 objects here`);
      const guardAt = text.indexOf(`CREATE ROLE ${quoteIdent(role)} NOLOGIN;`);
      const grantAt = text.indexOf(`GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "public"."comments" TO ${quoteIdent(role)};`);
      expect(guardAt).toBeGreaterThan(0);
      expect(grantAt).toBeGreaterThan(guardAt);
      expect(grantAt).toBeLessThan(text.indexOf('CREATE POLICY'));
      const executable = text.split('\n').filter((l) => !l.trim().startsWith('--')).join('\n');
      expect(executable).not.toMatch(/PASSWORD|ALTER\s+ROLE/i);
    } finally {
      await db.close();
    }
  });
});
