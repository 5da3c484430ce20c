#!/usr/bin/env node
/**
 * node bench/diff-bench.js — `tenantguard diff` against an offline audit of
 * the same folder, target ≤ 2×. A git repository holds a migrations folder of
 * N tenant tables (default 200; 40 files of 5 tables in the scaffolded safe
 * shape) on `main`; the working tree adds one migration with a permissive
 * USING (true) policy, so the diff finds a widening and proves it with the
 * probe on both embedded copies (the pull-request case). Prints, per command,
 * the median of 3 whole-process runs: wall time, CPU time (user + system of
 * the process: what a busy machine does not stretch) and peak RSS.
 * Needs `npm run build` first.
 *
 *   node bench/diff-bench.js          # 200 tables
 *   node bench/diff-bench.js 50       # another size
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTenantFolder } from './tenant-folder.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'dist', 'diff', 'index.js'))) {
  console.error('diff-bench: dist/ is missing; run `npm run build` first');
  process.exit(2);
}

const TABLES = Number(process.argv[2]) > 0 ? Number(process.argv[2]) : 200;
const RUNS = 3;
const dir = mkdtempSync(join(tmpdir(), 'tenantguard-diff-bench-'));
const folder = join(dir, 'migrations');
mkdirSync(folder);
const files = writeTenantFolder(folder, TABLES, { restrictive: false });
const git = (...args) => execFileSync('git', args, { cwd: dir, env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@example.com' } });
git('init', '-q', '-b', 'main');
git('add', '-A');
git('commit', '-q', '-m', 'base');
git('checkout', '-q', '-b', 'feature');
writeFileSync(join(folder, `${String(files).padStart(4, '0')}_public.sql`), 'CREATE POLICY browse ON items_0000 FOR SELECT TO bench_app USING (true);\n');

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const cacheDir = join(dir, 'cache');
const metricsFile = join(dir, 'metrics.json');

function run(args) {
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--import', join(root, 'bench', 'child-metrics.mjs'), join(root, 'bin', 'tenantguard.js'), ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TENANTGUARD_CACHE_DIR: cacheDir, TENANTGUARD_BENCH_METRICS_FILE: metricsFile },
    encoding: 'utf8',
  });
  const wall = performance.now() - started;
  if (child.status !== 0 && child.status !== 1) throw new Error(`${args[0]} failed (exit ${child.status}):\n${child.stderr}`);
  const { cpuMs, maxRssKb } = JSON.parse(readFileSync(metricsFile, 'utf8'));
  return { wall, cpu: cpuMs, rss: maxRssKb / 1024, stdout: child.stdout };
}

function measure(args) {
  const runs = Array.from({ length: RUNS }, () => run(args));
  return { wall: median(runs.map((r) => r.wall)), cpu: median(runs.map((r) => r.cpu)), rss: median(runs.map((r) => r.rss)), stdout: runs[0].stdout };
}

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
try {
  console.log(`${TABLES} tenant tables in ${files} files, + 1 file in the working tree; load average ${loadavg()[0].toFixed(1)}`);
  run(['audit', '--offline', '--format', 'json', '--app-role', 'bench_app']); // creates the engine cache
  const audit = measure(['audit', '--offline', '--format', 'json', '--app-role', 'bench_app']);
  const diff = measure(['diff', '--format', 'json', '--app-role', 'bench_app']);
  const noProbe = measure(['diff', '--format', 'json', '--app-role', 'bench_app', '--no-probe']);
  const result = JSON.parse(diff.stdout);
  console.log(`diff found: ${JSON.stringify(result.summary)}, proof: ${result.changes.map((c) => c.proof?.status ?? '-').join(', ')}`);
  console.log('| Command | Wall | CPU | Peak RSS | Ratio to the audit (wall / CPU) |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [name, m] of [['audit --offline', audit], ['diff (probe on both copies)', diff], ['diff --no-probe', noProbe]]) {
    console.log(`| ${name} | ${s(m.wall)} | ${s(m.cpu)} | ${Math.round(m.rss)} MB | ${(m.wall / audit.wall).toFixed(2)}× / ${(m.cpu / audit.cpu).toFixed(2)}× |`);
  }
  console.log(`load average after: ${loadavg()[0].toFixed(1)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
