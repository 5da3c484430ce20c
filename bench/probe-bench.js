#!/usr/bin/env node
/**
 * npm run bench:probe — `tenantguard probe` on a synthetic schema of 1,000
 * tenant tables (the scaffolded safe shape: RLS enabled and forced, permissive
 * and restrictive tenant policies, a child table per ten tables), in a
 * database created and dropped here. Target: ≤ 5 s for 1,000 tables.
 *
 * Prints the probe alone (plan + seeding + every check + rollback, in
 * process) and the whole CLI run, and checks that no table gained a row.
 *
 * Server: TENANTGUARD_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 * Needs `npm run build` first.
 *
 *   npm run bench:probe            # 1000 tables
 *   npm run bench:probe -- 200     # another size
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'tenantguard.js');
const ROLE = 'tenantguard_probe_bench_app';
const TARGET_MS = 5000;

if (!existsSync(join(root, 'dist', 'probe', 'probe.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const [{ introspect }, { buildRuleContext }, { DEFAULT_CONFIG }, { probeDatabase }] = await Promise.all([
  import('../dist/catalog/introspect.js'),
  import('../dist/check/context.js'),
  import('../dist/config/types.js'),
  import('../dist/probe/probe.js'),
]);

const size = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 1000;
const serverUrl = process.env.TENANTGUARD_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const ident = (name) => pg.escapeIdentifier(name);
const tenant = "organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid)";

function tableSql(i) {
  const name = `items_${String(i).padStart(5, '0')}`;
  const t = ident(name);
  // Every tenth table is a child of the previous one, so seeding has two levels.
  const parent = i % 10 === 9 ? `, parent_id uuid NOT NULL REFERENCES ${ident(`items_${String(i - 1).padStart(5, '0')}`)} (id)` : '';
  return `CREATE TABLE ${t} (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), organization_id uuid NOT NULL REFERENCES organizations (id),
    name text NOT NULL, amount integer NOT NULL CHECK (amount > 0), created_at timestamptz NOT NULL DEFAULT now()${parent});
CREATE INDEX ON ${t} (organization_id);
ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${t} FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_access ON ${t} AS PERMISSIVE FOR ALL TO ${ROLE} USING (${tenant}) WITH CHECK (${tenant});
CREATE POLICY tenant_isolation ON ${t} AS RESTRICTIVE FOR ALL TO ${ROLE} USING (${tenant}) WITH CHECK (${tenant});
GRANT SELECT, INSERT, UPDATE, DELETE ON ${t} TO ${ROLE};`;
}

const database = `tenantguard_probe_bench_${process.pid}`;
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`DROP ROLE IF EXISTS ${ident(ROLE)}`).catch(() => {});
await admin.query(`CREATE ROLE ${ident(ROLE)}`).catch(() => {});
await admin.query(`CREATE DATABASE ${ident(database)}`);
const url = new URL(serverUrl);
url.pathname = `/${database}`;
const client = new pg.Client({ connectionString: url.toString() });
let failed = false;
try {
  await client.connect();
  await client.query('CREATE TABLE organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL)');
  for (let start = 0; start < size; start += 250) {
    const parts = [];
    for (let i = start; i < Math.min(size, start + 250); i++) parts.push(tableSql(i));
    await client.query(`BEGIN; ${parts.join('\n')} COMMIT;`);
  }
  await client.query('ANALYZE');
  const rowsBefore = (await client.query('SELECT sum(n_live_tup)::int AS n FROM pg_stat_user_tables')).rows[0].n;

  const config = { ...DEFAULT_CONFIG, appRole: ROLE, schemas: ['public'] };
  const started = performance.now();
  const catalog = await introspect(client, { schemas: config.schemas });
  const introspected = performance.now();
  const context = await buildRuleContext(catalog, config);
  const t0 = performance.now();
  const report = await probeDatabase(client, context, { statementTimeoutMs: 30_000, lockTimeoutMs: 5_000, onProgress: process.env.BENCH_VERBOSE ? (m) => console.error(`${Math.round(performance.now() - t0)} ms ${m}`) : undefined });
  const probeMs = performance.now() - started;
  const phases = { introspect: introspected - started, context: t0 - introspected, probe: performance.now() - t0 };
  if (report.tablesProbed !== size || report.leaks.length > 0 || report.inconclusive.length > 0 || report.notes.length > 0) {
    const unclear = [...report.inconclusive.map((i) => `${i.table}: ${i.reason}`), ...report.notes].slice(0, 3).join('; ');
    console.error(`bench: expected ${size} clean tables, got ${report.tablesProbed} probed, ${report.leaks.length} leaks, inconclusive or notes: ${unclear}`);
    failed = true;
  }

  const cliStarted = performance.now();
  const cli = spawnSync(process.execPath, [bin, 'probe', '--db', url.toString(), '--app-role', ROLE, '--format', 'json'], { encoding: 'utf8' });
  const cliMs = performance.now() - cliStarted;
  if (cli.status !== 0) {
    console.error(`bench: tenantguard probe exited ${cli.status}\n${cli.stderr}`);
    failed = true;
  }
  const counts = await client.query(`SELECT count(*)::int AS n FROM organizations`);
  const rowsAfter = counts.rows[0].n;
  if (rowsAfter !== 0) {
    console.error(`bench: organizations has ${rowsAfter} rows after the probe (expected 0)`);
    failed = true;
  }
  console.log(`tenant tables: ${size} (rows before: ${rowsBefore})`);
  console.log(`probe (introspect + plan + seed + checks + rollback): ${Math.round(probeMs)} ms ${probeMs <= TARGET_MS ? '≤' : '>'} ${TARGET_MS} ms target`);
  console.log(`  of which: catalog query ${Math.round(phases.introspect)} ms, rule context ${Math.round(phases.context)} ms, probe ${Math.round(phases.probe)} ms`);
  console.log(`tenantguard probe (whole CLI process): ${Math.round(cliMs)} ms`);
  if (probeMs > TARGET_MS) failed = true;
} finally {
  await client.end().catch(() => {});
  await admin.query(`DROP DATABASE IF EXISTS ${ident(database)} WITH (FORCE)`);
  await admin.query(`DROP ROLE IF EXISTS ${ident(ROLE)}`).catch(() => {});
  await admin.end();
}
process.exitCode = failed ? 1 : 0;
