/**
 * `tenantguard audit --db URL --db URL …`: 20 databases on the local server,
 * audited concurrently into one report. Each database is the same small app;
 * every fifth one has a table that lost its row level security, a hole
 * proven by a query as the app role before the audit runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/db.js';
import { dirWith, runCli } from '../support/cli.js';

const COUNT = 20;
const APP = `
  CREATE ROLE app_user;
  CREATE TABLE organizations (id bigint PRIMARY KEY);
  CREATE TABLE projects (id bigint PRIMARY KEY, organization_id bigint NOT NULL REFERENCES organizations);
  CREATE INDEX ON projects (organization_id);
  ALTER TABLE projects ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
  CREATE POLICY tenant ON projects TO app_user
    USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::bigint))
    WITH CHECK (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::bigint));
  GRANT SELECT, INSERT, UPDATE, DELETE ON projects TO app_user;
  INSERT INTO organizations VALUES (1), (2);
  INSERT INTO projects VALUES (1, 1), (2, 2);`;
const leaky = (i: number) => i % 5 === 0;

describe.skipIf(!serverUrl)('audit of many databases (needs the local server: the embedded engine holds one database per process)', () => {
  const databases: TestDatabase[] = [];
  beforeAll(async () => {
    for (let i = 0; i < COUNT; i++) {
      const db = await createTestDatabase({ setup: APP + (leaky(i) ? '\nALTER TABLE projects DISABLE ROW LEVEL SECURITY;' : '') });
      databases.push(db);
    }
  }, 300_000);
  afterAll(async () => {
    for (const db of databases) await db.close();
  });

  it('the planted holes are real: the app role reads the other organization in exactly the leaky databases', async () => {
    for (const [i, db] of databases.entries()) {
      const rows = await db.asRole('app_user', (client) => client.query('SELECT organization_id FROM projects WHERE organization_id = 2'), {
        setting: 'app.current_org_id',
        value: '1',
      });
      expect(rows.rowCount, `database ${i}`).toBe(leaky(i) ? 1 : 0);
    }
  });

  it('one JSON report: findings carry their database, one summary per database, exit 1 from the leaky ones', async () => {
    // No --app-role: each database has its own (namespaced) app role, and every non-owner role with grants counts.
    const args = ['audit', ...databases.flatMap((db) => ['--db', db.url!]), '--concurrency', '4', '--format', 'json'];
    const run = await runCli(args, { cwd: await dirWith({}) });
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as {
      source: { name: string };
      findings: { rule: string; severity: string; source: string; fingerprint: string; object: { name: string } }[];
      sources: { name: string; summary: { error: number } }[];
    };
    expect(report.source.name).toBe(`${COUNT} databases`);
    expect(report.sources.map((s) => s.name)).toEqual(databases.map((db) => `127.0.0.1:5432/${db.name}`));
    const withErrors = report.sources.filter((s) => s.summary.error > 0).map((s) => s.name);
    expect(withErrors).toEqual(databases.filter((_, i) => leaky(i)).map((db) => `127.0.0.1:5432/${db.name}`));
    for (const finding of report.findings) expect(report.sources.map((s) => s.name)).toContain(finding.source);
    const disabled = report.findings.filter((f) => f.rule === 'rls-disabled' && f.object.name === 'projects');
    expect(disabled.map((f) => f.source)).toEqual(withErrors);
    // The same hole in two databases is two findings.
    expect(new Set(report.findings.map((f) => f.fingerprint)).size).toBe(report.findings.length);
  }, 300_000);

  it('pretty: findings grouped under their database and table, one line per database; a database that cannot be reached makes it exit 2', async () => {
    const some = databases.slice(0, 5);
    const dead = 'postgres://nobody@127.0.0.1:1/none';
    const run = await runCli(['audit', ...some.flatMap((db) => ['--db', db.url!]), '--db', dead, '--concurrency', '2'], { cwd: await dirWith({}) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^tenantguard: cannot audit 127\.0\.0\.1:1\/none: /m);
    expect(`\n${run.stdout}`).toContain(`\npublic.projects  in 127.0.0.1:5432/${some[0]!.name}\n  error    rls-disabled\n`);
    const lines = run.stdout.slice(run.stdout.indexOf('By database:\n')).split('\n').slice(1, 7);
    expect(lines.slice(0, 5).map((l) => l.split(':').slice(0, 2).join(':').trim())).toEqual(some.map((db) => `127.0.0.1:5432/${db.name}`.split(':').slice(0, 2).join(':')));
    expect(lines[5]).toMatch(/^ {2}failed {2}127\.0\.0\.1:1\/none: /);
  }, 300_000);

  it('SARIF results name their database; `databases` in the config with $NAME references works like --db', async () => {
    const two = [databases[0]!, databases[5]!]; // both leaky: each has findings
    const cwd = await dirWith({ 'tenantguard.config.json': JSON.stringify({ databases: ['$FIRST_DB', '${SECOND_DB}'] }) });
    const run = await runCli(['audit', '--format', 'sarif', '--fail-on', 'never'], { cwd, env: { FIRST_DB: two[0]!.url!, SECOND_DB: two[1]!.url! } });
    expect(run.code, run.stderr).toBe(0);
    const results = JSON.parse(run.stdout).runs[0].results as { properties: { source: string } }[];
    expect(new Set(results.map((r) => r.properties.source))).toEqual(new Set(two.map((db) => `127.0.0.1:5432/${db.name}`)));
  }, 300_000);
});
