#!/usr/bin/env node
/**
 * node bench/offline-bench.js — the pre-commit case: a cold offline audit of a
 * 200-table migrations folder (40 files of 5 tables, each table in the
 * scaffolded safe shape) on the embedded engine, target ≤ 4 s. Prints the
 * whole-process time (median of 3 runs of bin/tenantguard.js) and, measured
 * in this process, where the time goes: reading and splitting the files,
 * starting PGlite, applying, tracking file:line history, reading the catalog,
 * running the rules. The first run on a machine also creates the embedded
 * engine's pristine data directory cache (TENANTGUARD_CACHE_DIR, here a temp
 * folder), so it is reported on its own. Needs `npm run build` first.
 *
 *   node bench/offline-bench.js            # 200 tables
 *   node bench/offline-bench.js 500        # another size
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTenantFolder } from './tenant-folder.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'dist', 'audit.js'))) {
  console.error('offline-bench: dist/ is missing; run `npm run build` first');
  process.exit(2);
}

const TABLES = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 200;
const RUNS = 3;
const TARGET_MS = 4000;
const dir = mkdtempSync(join(tmpdir(), 'tenantguard-offline-bench-'));
const folder = join(dir, 'migrations');
mkdirSync(folder);
const files = writeTenantFolder(folder, TABLES, { restrictive: true });

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${Math.round(value)} ms`;
const cacheDir = join(dir, 'cache');

function audit() {
  const started = performance.now();
  const child = spawnSync(process.execPath, [join(root, 'bin', 'tenantguard.js'), 'audit', '--migrations', folder, '--format', 'json', '--app-role', 'bench_app'], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TENANTGUARD_CACHE_DIR: cacheDir },
    encoding: 'utf8',
  });
  const wall = performance.now() - started;
  if (child.status !== 0 && child.status !== 1) throw new Error(`audit failed (exit ${child.status}):\n${child.stderr}`);
  return { wall, report: JSON.parse(child.stdout) };
}

try {
  const first = audit();
  console.log(`${first.report.summary.tables} tables in ${files} files; findings: ${first.report.findings.length}`);
  console.log(`first offline audit on this machine (creates the engine cache): ${ms(first.wall)}`);
  const walls = Array.from({ length: RUNS }, () => audit().wall);
  const wall = median(walls);
  console.log(`cold offline audit (new process, median of ${RUNS}): ${ms(wall)} — target ${ms(TARGET_MS)}: ${wall <= TARGET_MS ? 'met' : 'NOT met'}`);

  // Where the time goes, stage by stage, in this process (libpg-query and PGlite loaded once, as in a run).
  const { discoverMigrations } = await import('../dist/db/migrations/discover.js');
  const { openEmbedded } = await import('../dist/db/embedded.js');
  const { applyMigrations } = await import('../dist/db/migrations/apply.js');
  const { trackMigrations } = await import('../dist/db/migrations/history.js');
  const { introspect } = await import('../dist/catalog/introspect.js');
  const { buildRuleContext } = await import('../dist/check/context.js');
  const { runRules } = await import('../dist/check/run-rules.js');
  const { rules } = await import('../dist/rules/index.js');
  const { DEFAULT_CONFIG } = await import('../dist/config/types.js');
  const stages = [];
  const time = async (name, fn) => {
    const started = performance.now();
    const value = await fn();
    stages.push([name, performance.now() - started]);
    return value;
  };
  const discovered = await time('read + split files (libpg-query)', () => discoverMigrations(folder, dir));
  const engine = await time('start PGlite (cached data directory)', () => openEmbedded({ cacheDir }));
  try {
    const applied = await time(`apply ${discovered.files.reduce((n, f) => n + f.statements.length, 0)} statements`, () => applyMigrations(engine.client, discovered));
    const history = await time('track file:line history', () => trackMigrations(applied));
    const catalog = await time('read the catalog', () => introspect(engine.client, { schemas: ['public'] }));
    const config = { ...DEFAULT_CONFIG, appRole: 'bench_app', schemas: ['public'] };
    const context = await time('tenancy + policy analysis', () => buildRuleContext(catalog, config));
    await time('rules', () => runRules({ ...context, migrations: history }, rules, config));
  } finally {
    await engine.close();
  }
  for (const [name, value] of stages) console.log(`  ${name.padEnd(36)} ${ms(value).padStart(8)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
