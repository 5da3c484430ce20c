/**
 * `audit --schema-per-tenant GLOB` end to end: the flag reaches the catalog
 * statement, the findings name the schema in every report format, and a glob
 * that matches nothing stops the audit. The database on the server engine,
 * the same SQL as a migrations folder on the embedded one.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/db.js';
import { dirWith, runCli } from '../support/cli.js';
import { tenantSchemasSql } from '../support/tenant-schemas.js';
import { wordingFaults } from '../support/wording.js';

const SCENARIO = `${tenantSchemasSql(3)}
GRANT USAGE ON SCHEMA tenant_02 TO tr01;
GRANT SELECT ON tenant_02.items TO tr01;
`;

let db: TestDatabase | null = null;
let source: string[];
/** Role names as the report shows them: namespaced on the server engine. */
let role = (name: string) => name;

interface JsonFinding {
  rule: string;
  severity: string;
  object: { kind: string; schema: string | null; name: string };
  message: string;
}

beforeAll(async () => {
  if (serverUrl) {
    db = await createTestDatabase({ setup: SCENARIO });
    source = ['--db', db.url!];
    role = (name) => db!.role(name);
  } else {
    const dir = await dirWith({ 'migrations/0001_tenants.sql': SCENARIO });
    source = ['--migrations', join(dir, 'migrations')];
  }
});
afterAll(async () => {
  await db?.close();
});

/** Findings about this scenario's roles: on a shared server, other files' roles come and go. */
function own(findings: JsonFinding[]): JsonFinding[] {
  const prefix = role('app').slice(0, -'app'.length);
  return findings
    .filter((f) => (f.object.kind === 'role' ? f.object.name.startsWith(prefix) : f.message.startsWith(prefix)))
    .sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
}

describe('audit --schema-per-tenant', () => {
  it('reports the crossing as an error on the schema and the shared app role as info (json)', async () => {
    const run = await runCli(['audit', ...source, '--schema-per-tenant', 'tenant_*', '--format', 'json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.summary.tenantSchemas).toBe(3);
    const findings = own(report.findings as JsonFinding[]);
    expect(findings.map((f) => [f.rule, f.severity, f.object])).toEqual([
      ['schema-tenant-crossing', 'error', { kind: 'schema', schema: null, name: 'tenant_02' }],
      ['schema-tenant-shared-role', 'info', { kind: 'role', schema: null, name: role('app') }],
    ]);
    expect(findings[0]!.message).toContain(`${role('tr01')}, the tenant role of tenant_01, holds USAGE on tenant schema tenant_02`);
    expect(findings.flatMap((f) => wordingFaults(f.message))).toEqual([]);
  });

  it('names the schema in SARIF', async () => {
    const sarif = await runCli(['audit', ...source, '--schema-per-tenant', 'tenant_*', '--format', 'sarif']);
    const results = JSON.parse(sarif.stdout).runs[0].results as { ruleId: string; locations: { logicalLocations: { name: string; kind: string }[] }[] }[];
    const crossing = results.find((r) => r.ruleId === 'schema-tenant-crossing')!;
    expect(crossing.locations[0]!.logicalLocations[0]).toMatchObject({ name: 'tenant_02', kind: 'schema' });
  });

  // several databases take --db URL each: a migrations folder is one source
  it.runIf(serverUrl)('applies to every database of a several-database audit', async () => {
    const run = await runCli(['audit', '--db', db!.url!, '--db', db!.url!, '--schema-per-tenant', 'tenant_*', '--format', 'json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { findings: (JsonFinding & { source: string })[]; summary: { tenantSchemas: number } };
    const crossings = report.findings.filter((f) => f.rule === 'schema-tenant-crossing' && f.message.startsWith(role('tr01')));
    expect(crossings.map((f) => f.source.replace(/^.*\//, ''))).toEqual([db!.name, `${db!.name}#2`]);
    expect(report.summary.tenantSchemas).toBe(6);
  });

  it('stops on a glob that matches no schema, rather than reporting a clean layout', async () => {
    const run = await runCli(['audit', ...source, '--schema-per-tenant', 'tenants_*', '--format', 'json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('matches the tenant-schema glob "tenants_*"');
  });

  it('reads the glob from the config file too, and pretty names the schema', async () => {
    const dir = await dirWith({ 'tenantguard.config.json': JSON.stringify({ schemaPerTenant: 'tenant_0?' }) });
    const run = await runCli(['audit', ...source], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('schema tenant_02');
    expect(run.stdout).toContain('the tenant role of tenant_01');
    expect(run.stdout).toMatch(/\(0 tenant\) and 3 tenant schemas/);
  });
});
