#!/usr/bin/env node
/**
 * node bench/large-migration-bench.js [MB] — peak memory of an offline audit
 * whose migrations folder holds one large data migration (default 50 MB of
 * single-row INSERTs, the shape of a seed or a data dump), against the same
 * folder without it: what the large file costs beyond the embedded engine.
 * Each audit runs as a new process; its peak RSS (the whole process: both
 * threads, the engine's WebAssembly memory, the parser's) and CPU time are
 * recorded at exit by bench/child-metrics.mjs. Needs `npm run build` first.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'dist', 'audit.js'))) {
  console.error('large-migration-bench: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const MB = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 50;
const ORG = '00000000-0000-0000-0000-000000000001';
const SCHEMA = `CREATE ROLE app_user;
CREATE TABLE organizations (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE projects (id bigint PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations (id), name text NOT NULL);
CREATE INDEX ON projects (organization_id);
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON projects USING (organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid));
GRANT SELECT, INSERT, UPDATE, DELETE ON projects TO app_user;
INSERT INTO organizations VALUES ('${ORG}', 'acme');
`;

const dir = mkdtempSync(join(tmpdir(), 'tenantguard-large-bench-'));
const cacheDir = join(dir, 'cache');

function folder(name, withSeed) {
  const path = join(dir, name);
  mkdirSync(path);
  writeFileSync(join(path, '0001_schema.sql'), SCHEMA);
  if (!withSeed) return path;
  const fd = openSync(join(path, '0002_seed.sql'), 'w');
  let lines = [];
  for (let i = 0, size = 0; size < MB * 1024 * 1024; i++) {
    const line = `INSERT INTO projects (id, organization_id, name) VALUES (${i}, '${ORG}', 'project number ${i} with a longer descriptive name');\n`;
    lines.push(line);
    size += line.length;
    if (lines.length === 10_000) {
      writeSync(fd, lines.join(''));
      lines = [];
    }
  }
  writeSync(fd, lines.join(''));
  closeSync(fd);
  return path;
}

function audit(migrations) {
  const metrics = join(dir, 'metrics.json');
  const started = performance.now();
  const child = spawnSync(
    process.execPath,
    ['--import', join(root, 'bench', 'child-metrics.mjs'), join(root, 'bin', 'tenantguard.js'), 'audit', '--migrations', migrations, '--format', 'json', '--app-role', 'app_user', '--fail-on', 'never'],
    { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME, TENANTGUARD_CACHE_DIR: cacheDir, TENANTGUARD_BENCH_METRICS_FILE: metrics }, encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  const wall = (performance.now() - started) / 1000;
  if (child.status !== 0) throw new Error(`audit failed (exit ${child.status}):\n${child.stderr}`);
  const { maxRssKb, cpuMs } = JSON.parse(readFileSync(metrics, 'utf8'));
  return { wall, cpu: cpuMs / 1000, peakMb: maxRssKb / 1024 };
}

try {
  const small = folder('without-seed', false);
  const large = folder('with-seed', true);
  const fileMb = statSync(join(large, '0002_seed.sql')).size / 1024 / 1024;
  audit(small); // creates the engine cache, so neither measured run pays for initdb
  const base = audit(small);
  const big = audit(large);
  const row = (name, r) => `${name.padEnd(34)} ${`${r.wall.toFixed(1)} s`.padStart(8)} ${`${r.cpu.toFixed(1)} s`.padStart(8)} ${`${Math.round(r.peakMb)} MB`.padStart(9)}`;
  console.log(`${'offline audit'.padEnd(34)} ${'wall'.padStart(8)} ${'CPU'.padStart(8)} ${'peak RSS'.padStart(9)}`);
  console.log(row('schema only (the engine)', base));
  console.log(row(`schema + ${fileMb.toFixed(0)} MB data migration`, big));
  console.log(`the large file costs ${Math.round(big.peakMb - base.peakMb)} MB beyond the engine: ${((big.peakMb - base.peakMb) / fileMb).toFixed(1)}× its size`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
