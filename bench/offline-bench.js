#!/usr/bin/env node
/**
 * node bench/offline-bench.js — the pre-commit case: an offline audit of a
 * 200-table migrations folder (40 files of 5 tables, each table in the
 * scaffolded safe shape) on the embedded engine: cold without and with the
 * snapshot it saves (target ≤ 4 s), and warm with only the newest file
 * changed (all but the newest restored from that snapshot, target ≤ 1.0 s),
 * beside `node -e 0`. Each is
 * the median of 5 runs of bin/tenantguard.js: wall time, CPU time (user +
 * system, from /usr/bin/time where it exists: a busy machine stretches wall
 * time, not CPU time) and peak RSS, with the load average. Then, measured
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
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTenantFolder } from './tenant-folder.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'dist', 'audit.js'))) {
  console.error('offline-bench: dist/ is missing; run `npm run build` first');
  process.exit(2);
}

const TABLES = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 200;
const RUNS = 5;
const TARGET_MS = 4000;
const WARM_TARGET_MS = 1000;
const dir = mkdtempSync(join(tmpdir(), 'tenantguard-offline-bench-'));
const folder = join(dir, 'migrations');
mkdirSync(folder);
const files = writeTenantFolder(folder, TABLES, { restrictive: true });

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${Math.round(value)} ms`;
const cacheDir = join(dir, 'cache');

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** One process: wall ms, and with /usr/bin/time its CPU ms (user + system) and peak RSS in MB. */
function run(argv, env) {
  const usage = join(dir, 'usage.txt');
  const [command, args] = TIME ? [TIME, ['-f', '%U %S %M', '-o', usage, process.execPath, ...argv]] : [process.execPath, argv];
  const started = performance.now();
  const child = spawnSync(command, args, { cwd: dir, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const wall = performance.now() - started;
  const [user, system, rssKb] = TIME ? readFileSync(usage, 'utf8').trim().split('\n').at(-1).split(' ').map(Number) : [NaN, NaN, NaN];
  return { child, wall, cpu: (user + system) * 1000, rss: rssKb / 1024 };
}

function audit(extraEnv = {}) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, TENANTGUARD_CACHE_DIR: cacheDir, ...extraEnv };
  const result = run([join(root, 'bin', 'tenantguard.js'), 'audit', '--migrations', folder, '--format', 'json', '--app-role', 'bench_app'], env);
  if (result.child.status !== 0 && result.child.status !== 1) throw new Error(`audit failed (exit ${result.child.status}):\n${result.child.stderr}`);
  return { ...result, report: JSON.parse(result.child.stdout) };
}

const dropSnapshots = () => {
  for (const name of readdirSync(cacheDir)) if (name.endsWith('.tgsnap')) rmSync(join(cacheDir, name));
};
const newest = join(folder, readdirSync(folder).sort().at(-1));
let edits = 0;
/** A real change to the newest file (a comment outside any statement would not change what is applied). */
const editNewest = () => appendFileSync(newest, `COMMENT ON TABLE organizations IS 'edit ${++edits}';\n`);

function summary(name, runs, target) {
  const wall = median(runs.map((r) => r.wall));
  const line = `${name.padEnd(44)} wall ${ms(wall).padStart(8)}  CPU ${ms(median(runs.map((r) => r.cpu))).padStart(8)}  peak RSS ${Math.round(median(runs.map((r) => r.rss)))} MB`;
  console.log(target ? `${line} — target ${ms(target)} (wall): ${wall <= target ? 'met' : 'NOT met'}` : line);
}

try {
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on this machine; medians of ${RUNS} runs`);
  summary('node -e 0', Array.from({ length: RUNS }, () => run(['-e', '0'], { PATH: process.env.PATH })));
  const first = audit();
  console.log(`${first.report.summary.tables} tables in ${files} files; findings: ${first.report.findings.length}`);
  console.log(`first offline audit on this machine (creates the engine cache): ${ms(first.wall)}`);
  dropSnapshots();
  // The default: prefix snapshots are off.
  summary('cold, no snapshot saved', Array.from({ length: RUNS }, () => audit()), TARGET_MS);
  const snapshotsOn = { TENANTGUARD_SNAPSHOT_MIN_STATEMENTS: '300' };
  summary('cold, saving the snapshot of all but the newest', Array.from({ length: RUNS }, () => {
    dropSnapshots();
    return audit(snapshotsOn);
  }), TARGET_MS);
  // Each run changes the newest file again: all but the newest is restored, the newest applied.
  summary('warm, only the newest file changed', Array.from({ length: RUNS }, () => {
    editNewest();
    return audit(snapshotsOn);
  }), WARM_TARGET_MS);
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

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
