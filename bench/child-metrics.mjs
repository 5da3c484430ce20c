// Loaded with `node --import` by audit-bench.js into the audited process.
// At exit it records the peak resident set size (KiB: pg, PGlite's WASM heap,
// everything), the CPU time used (user + system: what the process costs even
// when a busy machine stretches its wall time), and how many statements went
// through pg.Client#query — the round trips, which must not grow with the
// number of tables.
import { writeFileSync } from 'node:fs';
import pg from 'pg';

let queries = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(...args) {
  queries += 1;
  return query.apply(this, args);
};

process.on('exit', () => {
  const file = process.env.TENANTGUARD_BENCH_METRICS_FILE;
  const { userCPUTime, systemCPUTime, maxRSS } = process.resourceUsage();
  if (file) writeFileSync(file, JSON.stringify({ maxRssKb: maxRSS, cpuMs: (userCPUTime + systemCPUTime) / 1000, queries }));
});
