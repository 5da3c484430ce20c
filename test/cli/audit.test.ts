/**
 * `tenantguard audit` end to end in-process: a real database (server engine)
 * or the same SQL as a migrations folder (embedded engine), exit codes,
 * --fail-on, --schema, --format json, --output.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/db.js';
import { dirWith, emptyDir, runCli } from '../support/cli.js';

const TENANT = "organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid)";

/** The safe shape: RLS enabled and forced, a permissive and a restrictive tenant policy, an index. */
function safeTenantTable(table: string, nullable = false): string {
  return `
CREATE TABLE ${table} (id uuid PRIMARY KEY, organization_id uuid ${nullable ? '' : 'NOT NULL'} REFERENCES public.organizations (id), body text);
CREATE INDEX ON ${table} (organization_id);
ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_access ON ${table} AS PERMISSIVE FOR ALL TO app_user USING (${TENANT}) WITH CHECK (${TENANT});
CREATE POLICY tenant_isolation ON ${table} AS RESTRICTIVE FOR ALL TO app_user USING (${TENANT}) WITH CHECK (${TENANT});
GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO app_user;`;
}

// public: one error (RLS off); schema "clean": nothing to report; schema "warn": only a warning (nullable tenant column).
const SCENARIO = `
CREATE ROLE app_user;
CREATE TABLE organizations (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE projects (id uuid PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations (id), name text);
CREATE INDEX ON projects (organization_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON projects TO app_user;
CREATE SCHEMA clean;
GRANT USAGE ON SCHEMA clean TO app_user;
${safeTenantTable('clean.notes')}
CREATE SCHEMA warn;
GRANT USAGE ON SCHEMA warn TO app_user;
${safeTenantTable('warn.notes', true)}
`;

let db: TestDatabase | null = null;
/** The source arguments: --db on the server engine, a migrations folder on the embedded one. */
let source: string[];

beforeAll(async () => {
  if (serverUrl) {
    db = await createTestDatabase({ setup: SCENARIO });
    source = ['--db', db.url!, '--app-role', db.role('app_user')];
  } else {
    const dir = await dirWith({ 'migrations/0001_scenario.sql': SCENARIO });
    source = ['--migrations', join(dir, 'migrations'), '--app-role', 'app_user'];
  }
});
afterAll(async () => {
  await db?.close();
});

describe('tenantguard audit', () => {
  it('exits 1 on an error finding and prints the pretty report on stdout, the source on stderr', async () => {
    const run = await runCli(['audit', ...source]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(serverUrl ? /^Auditing database tenantguard_test_\w+ on 127\.0\.0\.1:5432/ : /^Auditing migrations .*0001|^Auditing migrations/);
    expect(run.stdout).toMatch(/^public\.projects\n {2}error {4}rls-disabled\n/);
    expect(run.stdout).toContain('warn.notes\n  warning  tenant-column-nullable');
    expect(run.stdout).not.toContain('clean.notes');
    expect(run.stdout).toMatch(/\n1 error, 1 warning in 2 of \d+ tables \(3 tenant\)\n$/);
    // Not a TTY: no colour codes.
    expect(run.stdout).not.toMatch(/\x1b\[/);
  });

  it('on a terminal: colours, and migration progress rewritten in place then cleared', async () => {
    const run = await runCli(['audit', ...source, '--schema', 'warn'], { isTTY: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\x1b\[33m\x1b\[1mwarning/);
    if (!serverUrl) {
      expect(run.stderr).toMatch(/\r\x1b\[Kapplying|\r\x1b\[Kstarting/);
      // The progress line is erased before the report is printed.
      expect(run.stderr.endsWith('\r\x1b[K')).toBe(true);
    }
  });

  it('exits 0 when nothing is found (--schema narrows the audit)', async () => {
    const run = await runCli(['audit', ...source, '--schema', 'clean']);
    expect(run.stdout).toMatch(/^No tenant-isolation problems found\.\n0 errors, 0 warnings in 0 of 1 table \(1 tenant\)\n$/);
    expect(run.code).toBe(0);
  });

  it('--fail-on: a warning fails only at warning or below', async () => {
    const atError = await runCli(['audit', ...source, '--schema', 'warn']);
    expect(atError.code).toBe(0);
    expect(atError.stdout).toContain('tenant-column-nullable');
    const atWarning = await runCli(['audit', ...source, '--schema', 'warn', '--schema', 'clean', '--fail-on', 'warning']);
    expect(atWarning.code).toBe(1);
    expect(atWarning.stdout).toMatch(/0 errors, 1 warning in 1 of \d+ tables \(2 tenant\)\n$/);
  });

  it('--format json --output FILE --fail-on never: the contract shape in the file, nothing on stdout, exit 0', async () => {
    const cwd = await emptyDir();
    const run = await runCli(['audit', ...source, '--format', 'json', '--output', 'report.json', '--fail-on', 'never'], { cwd });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    // Machine formats keep stderr quiet.
    expect(run.stderr).toBe('');
    const report = JSON.parse(await readFile(join(cwd, 'report.json'), 'utf8'));
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default;
    expect(Object.keys(report)).toEqual(['tool', 'version', 'schemaVersion', 'source', 'findings', 'summary']);
    expect(report).toMatchObject({ tool: 'tenantguard', version, schemaVersion: 1 });
    expect(report.source.kind).toBe(serverUrl ? 'database' : 'migrations');
    expect(report.source.name).toEqual(serverUrl ? db!.name : expect.stringMatching(/migrations$/));
    type JsonFinding = { rule: string; object: { kind: string; schema: string; name: string; table?: string } };
    expect(report.findings.map((f: JsonFinding) => `${f.rule} ${f.object.kind} ${f.object.schema}.${f.object.table ?? '-'}.${f.object.name}`))
      .toEqual(['rls-disabled table public.-.projects', 'tenant-column-nullable column warn.notes.organization_id']);
    const [rlsDisabled] = report.findings;
    expect(Object.keys(rlsDisabled)).toEqual(['rule', 'severity', 'object', 'message', 'fix', 'fingerprint', 'docs', 'related']);
    expect(rlsDisabled).toMatchObject({
      severity: 'error',
      object: { kind: 'table', schema: 'public', name: 'projects' },
      docs: 'docs/rules/rls-disabled.md',
    });
    expect(rlsDisabled.fix.sql).toMatch(/ENABLE ROW LEVEL SECURITY/);
    expect(rlsDisabled.fingerprint).toMatch(/^\S{8,}$/);
    expect(report.summary).toEqual({ error: 1, warning: 1, info: 0, tables: 4, tenantTables: 3 });
  });
});

describe('the library', () => {
  it('runAudit returns what the JSON report prints', async () => {
    const { runAudit, renderJson } = await import('../../src/index.js');
    const [flag, value, , appRole] = source;
    const cwd = await emptyDir();
    const result = await runAudit({ cwd, env: {}, appRole, ...(flag === '--db' ? { db: value } : { migrations: value }) });
    const cli = await runCli(['audit', ...source, '--format', 'json'], { cwd });
    expect(renderJson(result)).toBe(cli.stdout);
    expect(result.findings.map((f) => f.rule)).toEqual(['rls-disabled', 'tenant-column-nullable']);
  });
});

describe('tenantguard rules', () => {
  it('lists every registered rule with its default severity and title', async () => {
    const { rules } = await import('../../src/rules/index.js');
    const run = await runCli(['rules']);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^RULE\s+SEVERITY\s+TITLE$/);
    for (const rule of rules) {
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${rule.id}\\s+${rule.defaultSeverity}\\s+${rule.title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)));
    }
    const json = JSON.parse((await runCli(['rules', '--format', 'json'])).stdout);
    expect(json.map((r: { id: string }) => r.id)).toEqual(rules.map((r) => r.id).sort());
    expect(json[0]).toEqual(expect.objectContaining({ docs: `docs/rules/${json[0].id}.md` }));
  });
});
