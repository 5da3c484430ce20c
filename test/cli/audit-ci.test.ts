import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/db.js';
import { dirWith, runCli } from '../support/cli.js';

const TENANT = `organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::int)`;
const MIGRATION = `CREATE ROLE app_user;
CREATE TABLE organizations (id int PRIMARY KEY);
CREATE TABLE projects (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
CREATE TABLE tasks (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant ON tasks TO app_user USING (${TENANT}) WITH CHECK (${TENANT});
CREATE TABLE notes (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
COMMENT ON TABLE notes IS 'Shared notes.
@tenantguard ignore rls-disabled: read through the notes_api view only';
CREATE TABLE docs (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
COMMENT ON TABLE docs IS '@tenantguard ignore rls-disabled';
GRANT SELECT, INSERT, UPDATE, DELETE ON projects, tasks, notes, docs TO app_user;
`;
const CONFIG = JSON.stringify({ appRole: 'app_user', schemas: ['public'] });

const sarifSchema = JSON.parse(readFileSync(new URL('../fixtures/sarif-schema-2.1.0.json', import.meta.url), 'utf8'));
const ajv = new Ajv({ strict: false, validateFormats: false });
const validateSarif = ajv.compile(sarifSchema);

type Json = { findings: { rule: string; object: { name: string }; fingerprint: string }[] };
const ruleObjects = (stdout: string) => (JSON.parse(stdout) as Json).findings.map((f) => `${f.object.name}:${f.rule}`).sort();

describe('audit in CI, offline', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await dirWith({ 'migrations/0001_init.sql': MIGRATION, 'tenantguard.config.json': CONFIG });
  });

  it('writes SARIF that validates, every result at its migration line; in-database suppressions need a reason', async () => {
    const run = await runCli(['audit', '--format', 'sarif'], { cwd });
    expect(run.code).toBe(1);
    const sarif = JSON.parse(run.stdout);
    expect(validateSarif(sarif)).toBe(true);
    const results = sarif.runs[0].results as { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } }; logicalLocations: { fullyQualifiedName: string }[] }[] }[];
    const at = (name: string, rule: string) =>
      results.find((r) => r.ruleId === rule && r.locations[0]!.logicalLocations[0]!.fullyQualifiedName === name)?.locations[0]!.physicalLocation;
    expect(at('public.projects', 'rls-disabled')).toEqual({ artifactLocation: { uri: 'migrations/0001_init.sql', uriBaseId: '%SRCROOT%' }, region: { startLine: 3 } });
    expect(at('public.tasks', 'rls-not-forced')?.region.startLine).toBe(4);
    expect(at('public.docs', 'rls-disabled')?.region.startLine).toBe(10);
    expect(at('public.notes', 'rls-disabled')).toBeUndefined();
    for (const r of results) expect(r.locations[0]!.physicalLocation.artifactLocation.uri).toBe('migrations/0001_init.sql');
  });

  it('accepts the current findings into a baseline, then reports only new ones', async () => {
    const update = await runCli(['audit', '--update-baseline', '--format', 'json'], { cwd });
    expect(update.code).toBe(0);
    expect(update.stderr).toMatch(
      /^Accepted (\d+) findings \(\d+ errors?, \d+ warnings?, \d+ info\) into the baseline tenantguard\.baseline\.json; commit it, and runs with --baseline tenantguard\.baseline\.json report only new findings\.$/m,
    );
    const accepted = Number(/^Accepted (\d+)/m.exec(update.stderr)![1]);
    expect((JSON.parse(update.stdout) as Json).findings).toEqual([]);
    const baseline = JSON.parse(await readFile(join(cwd, 'tenantguard.baseline.json'), 'utf8'));
    expect(baseline.findings).toHaveLength(accepted);
    expect(baseline.findings.map((e: { object: string; rule: string }) => `${e.object}:${e.rule}`)).toEqual(
      [...baseline.findings.map((e: { object: string; rule: string }) => `${e.object}:${e.rule}`)].sort((a: string, b: string) => {
        const [oa, ra] = a.split(':');
        const [ob, rb] = b.split(':');
        return ra! < rb! ? -1 : ra! > rb! ? 1 : oa! < ob! ? -1 : oa! > ob! ? 1 : 0;
      }),
    );

    // An unrelated table and a new tenant table with holes: fingerprints depend on rule and
    // object only, so the baseline still matches every old finding and only the new table shows.
    await writeFile(
      join(cwd, 'migrations/0002_more.sql'),
      `CREATE TABLE countries (code text PRIMARY KEY);
CREATE TABLE invoices (id int PRIMARY KEY, organization_id int NOT NULL REFERENCES organizations);
GRANT SELECT ON invoices TO app_user;
`,
    );
    const run = await runCli(['audit', '--baseline', 'tenantguard.baseline.json', '--format', 'json'], { cwd });
    expect(run.code).toBe(1);
    const reported = ruleObjects(run.stdout);
    expect(reported).toContain('invoices:rls-disabled');
    expect(reported.filter((r) => !r.startsWith('invoices:'))).toEqual([]);
    expect(run.stderr).toMatch(/\d+ finding\(s\) hidden by the baseline tenantguard\.baseline\.json/);
  });

  it('defaults to GitHub annotations in Actions, writes the step summary, and --quiet keeps only errors', async () => {
    const summary = join(cwd, 'step-summary.md');
    // --offline (the pre-commit hook) audits the migrations even when a database URL is configured.
    const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    const run = await runCli(['audit', '--offline', '--quiet'], { cwd, env });
    expect(run.code).toBe(1);
    const commands = run.stdout.split('\n').filter((l) => l.startsWith('::'));
    expect(commands.length).toBeGreaterThan(0);
    for (const c of commands) expect(c).toMatch(/^::error file=migrations\/000[12]_\w+\.sql,line=\d+,title=/);
    expect(run.stdout).not.toContain('::warning');
    expect(await readFile(summary, 'utf8')).toMatch(/^### tenantguard: \d+ errors?/);
  });
});

describe.skipIf(!serverUrl)('audit in CI, live database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: MIGRATION });
  });
  afterAll(() => db?.close());

  it('anchors SARIF results to the config file, or to --sarif-anchor', async () => {
    const cwd = await dirWith({ 'tenantguard.config.json': JSON.stringify({ appRole: db.role('app_user'), schemas: ['public'] }), 'db/schema.sql': '' });
    const byConfig = JSON.parse((await runCli(['audit', '--db', db.url!, '--format', 'sarif'], { cwd })).stdout);
    const uris = (log: { runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] }) =>
      new Set(log.runs[0]!.results.map((r) => r.locations[0]!.physicalLocation.artifactLocation.uri));
    expect(validateSarif(byConfig)).toBe(true);
    expect(uris(byConfig)).toEqual(new Set(['tenantguard.config.json']));
    const byFlag = JSON.parse((await runCli(['audit', '--db', db.url!, '--format', 'sarif', '--sarif-anchor', 'db/schema.sql'], { cwd })).stdout);
    expect(uris(byFlag)).toEqual(new Set(['db/schema.sql']));
  });
});
