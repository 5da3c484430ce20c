#!/usr/bin/env node
/**
 * npm run bench — whole-process cost of `tenantguard audit` on synthetic
 * schemas of 100, 1,000 and 5,000 tenant tables, beside the cost of the one
 * catalog query it is built on, plus CLI start-up (`--help` vs `node -e 0`).
 *
 * Server: TENANTGUARD_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres);
 * each size gets its own database, created and dropped here. Without a
 * reachable server the schemas are written as a migrations folder and audited
 * on the embedded engine. Needs `npm run build` first.
 *
 * The pre-commit case (a cold offline audit of a migrations folder) has its
 * own benchmark: bench/offline-bench.js.
 *
 *   npm run bench                 # 100, 1000, 5000
 *   npm run bench -- 100 1000     # chosen sizes
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'tenantguard.js');
const metricsHook = join(root, 'bench', 'child-metrics.mjs');
const RUNS = 3;
const BENCH_ROLE = 'tenantguard_bench_app';

if (!existsSync(join(root, 'dist', 'catalog', 'introspect.sql.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const { CATALOG_QUERY } = await import('../dist/catalog/introspect.sql.js');

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const SIZES = sizes.length > 0 ? sizes : [100, 1000, 5000];
const serverUrl = process.env.TENANTGUARD_BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${Math.round(value)} ms`;
const ident = (name) => pg.escapeIdentifier(name);

/** One tenant table in the scaffolded safe shape: FK to the root, index, RLS enabled + forced, permissive + restrictive policy. */
function tenantTableSql(i) {
  const t = ident(`items_${String(i).padStart(5, '0')}`);
  const tenant = "organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid)";
  return `CREATE TABLE ${t} (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), organization_id uuid NOT NULL REFERENCES organizations (id), name text NOT NULL);
CREATE INDEX ON ${t} (organization_id);
ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${t} FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_access ON ${t} AS PERMISSIVE FOR ALL TO ${BENCH_ROLE} USING (${tenant}) WITH CHECK (${tenant});
CREATE POLICY tenant_isolation ON ${t} AS RESTRICTIVE FOR ALL TO ${BENCH_ROLE} USING (${tenant}) WITH CHECK (${tenant});
GRANT SELECT, INSERT, UPDATE, DELETE ON ${t} TO ${BENCH_ROLE};`;
}

/** The schema in batches: one transaction per batch keeps the lock table small. */
function schemaBatches(n, batchSize = 250) {
  const batches = ['CREATE TABLE organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);'];
  for (let start = 0; start < n; start += batchSize) {
    const parts = [];
    for (let i = start; i < Math.min(n, start + batchSize); i++) parts.push(tenantTableSql(i));
    batches.push(parts.join('\n'));
  }
  return batches;
}

function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function serverReachable() {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** Runs the CLI in a child process; returns wall time, the child's own peak RSS and its statement count. */
function timeCli(args) {
  const metricsFile = join(mkdtempSync(join(tmpdir(), 'tenantguard-bench-')), 'metrics.json');
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--import', metricsHook, bin, ...args], {
    env: { ...process.env, TENANTGUARD_BENCH_METRICS_FILE: metricsFile, NO_COLOR: '1' },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const wall = performance.now() - started;
  if (child.status !== 0 && child.status !== 1) {
    throw new Error(`tenantguard ${args.join(' ')} exited ${child.status}:\n${child.stderr}`);
  }
  const report = JSON.parse(child.stdout);
  const metrics = JSON.parse(readFileSync(metricsFile, 'utf8'));
  rmSync(dirname(metricsFile), { recursive: true, force: true });
  return { wall, cpu: metrics.cpuMs, maxRssMb: metrics.maxRssKb / 1024, queries: metrics.queries, report };
}

function timeProcess(args) {
  const started = performance.now();
  const child = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (child.status !== 0) throw new Error(`node ${args.join(' ')} exited ${child.status}`);
  return performance.now() - started;
}

/** `node -e 0`, measured right after each size's audits so both see the same machine load. */
function timeBareNode() {
  return median(Array.from({ length: RUNS }, () => timeProcess(['-e', '0'])));
}

async function timeCatalogQuery(client) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    await client.query('BEGIN TRANSACTION READ ONLY; SET LOCAL jit = off');
    const started = performance.now();
    await client.query(CATALOG_QUERY, [null, null]);
    times.push(performance.now() - started);
    await client.query('ROLLBACK');
  }
  return median(times);
}

function measureAudit(args) {
  const runs = Array.from({ length: RUNS }, () => timeCli(args));
  const tables = runs[0].report.summary.tenantTables;
  return {
    wall: median(runs.map((r) => r.wall)),
    cpu: median(runs.map((r) => r.cpu)),
    maxRssMb: Math.max(...runs.map((r) => r.maxRssMb)),
    queries: runs[0].queries,
    tables,
  };
}

async function benchServer(n) {
  const database = `tenantguard_bench_${n}_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${ident(database)}`);
  await admin.query(`CREATE DATABASE ${ident(database)}`);
  const url = withDatabase(serverUrl, database);
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const buildStarted = performance.now();
    for (const batch of schemaBatches(n)) await client.query(batch);
    await client.query('ANALYZE');
    const build = performance.now() - buildStarted;
    const query = await timeCatalogQuery(client);
    const audit = measureAudit(['audit', '--db', url, '--format', 'json', '--app-role', BENCH_ROLE]);
    return { n, build, query, bare: timeBareNode(), ...audit };
  } finally {
    await client.end().catch(() => {});
    await admin.query(`DROP DATABASE IF EXISTS ${ident(database)} WITH (FORCE)`);
    await admin.end();
  }
}

async function benchEmbedded(n) {
  const dir = mkdtempSync(join(tmpdir(), 'tenantguard-bench-'));
  try {
    const migrations = join(dir, 'migrations');
    const sql = [`CREATE ROLE ${BENCH_ROLE};`, ...schemaBatches(n)];
    mkdirSync(migrations);
    sql.forEach((text, i) => writeFileSync(join(migrations, `${String(i).padStart(4, '0')}_bench.sql`), `${text}\n`));
    const { PGlite } = await import('@electric-sql/pglite');
    const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
    const pglite = new PGlite();
    const client = new pg.Client(createPgConfig(pglite));
    await client.connect();
    const buildStarted = performance.now();
    for (const text of sql) await client.query(text);
    const build = performance.now() - buildStarted;
    const query = await timeCatalogQuery(client);
    await client.end();
    await pglite.close();
    const audit = measureAudit(['audit', '--migrations', migrations, '--format', 'json', '--app-role', BENCH_ROLE]);
    return { n, build, query, bare: timeBareNode(), ...audit };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function withBenchRole(fn) {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const { rowCount } = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [BENCH_ROLE]);
  if (rowCount === 0) await admin.query(`CREATE ROLE ${ident(BENCH_ROLE)}`);
  try {
    return await fn();
  } finally {
    if (rowCount === 0) await admin.query(`DROP ROLE IF EXISTS ${ident(BENCH_ROLE)}`);
    await admin.end();
  }
}

const server = await serverReachable();
console.log(`engine: ${server ? `server ${new URL(serverUrl).host}` : 'embedded (no server reachable)'}; median of ${RUNS} runs\n`);
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} CPUs\n`);
console.log('tenant tables | audit wall (CPU) | raw catalog query | node -e 0 | audit ÷ (query + node) | peak RSS | statements | schema built in');

const results = [];
const runAll = async () => {
  for (const n of SIZES) {
    const r = server ? await benchServer(n) : await benchEmbedded(n);
    results.push(r);
    const audit = `${ms(r.wall)} (${ms(r.cpu)})`;
    const ratio = `${(r.wall / (r.query + r.bare)).toFixed(2)}x`;
    console.log(
      `${String(r.tables).padStart(13)} | ${audit.padStart(16)} | ${ms(r.query).padStart(17)} | ${ms(r.bare).padStart(9)} | ${ratio.padStart(22)} | ` +
        `${`${Math.round(r.maxRssMb)} MB`.padStart(8)} | ${String(r.queries).padStart(10)} | ${ms(r.build)}`,
    );
  }
};
if (server) await withBenchRole(runAll);
else await runAll();

const help = median(Array.from({ length: 7 }, () => timeProcess([bin, '--help'])));
const bare = median(Array.from({ length: 7 }, () => timeProcess(['-e', '0'])));
console.log(`\ntenantguard --help: ${ms(help)}   node -e 0: ${ms(bare)}   ratio: ${(help / bare).toFixed(2)}x`);
