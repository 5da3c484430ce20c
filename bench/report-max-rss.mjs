// Loaded with `node --import` by audit-bench.js: records the process's peak
// resident set size (KiB) when it exits, wherever the memory went (pg, PGlite's WASM heap).
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.TENANTGUARD_BENCH_RSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS));
});
