/**
 * Vitest global setup: the end-to-end CLI tests run bin/tenantguard.js, which
 * imports dist/. Build dist/ first when it is missing or older than a source
 * file, so `npm test` in a fresh clone never runs a stale or absent build.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const builtEntry = join(root, 'dist', 'cli', 'main.js');
const cache = join(root, 'node_modules', '.cache', 'tenantguard');
const buildInfo = join(cache, 'test-build.tsbuildinfo');
/** Touched after every build: incremental builds leave unchanged outputs' mtimes alone. */
const stamp = join(cache, 'test-build.stamp');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

export default function buildDist(): void {
  const sources = Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'package.json')), newestMtime(join(root, 'tsconfig.json')));
  const built = existsSync(builtEntry);
  // Fresh after `npm run build` (every output rewritten) or after the last incremental build here.
  const builtAt = Math.max(built ? statSync(builtEntry).mtimeMs : 0, existsSync(stamp) ? statSync(stamp).mtimeMs : 0);
  if (built && builtAt >= sources) return;
  mkdirSync(cache, { recursive: true });
  // tsc --incremental does not notice deleted outputs: without dist/, start from scratch.
  if (!built) rmSync(buildInfo, { force: true });
  try {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json'), '--incremental', '--tsBuildInfoFile', buildInfo], {
      cwd: root,
      stdio: 'pipe',
    });
  } catch (error) {
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? String(error);
    // tsc still emits JavaScript when only types are wrong; `npm run build` in CI fails on those.
    if (!existsSync(builtEntry)) throw new Error(`the build failed, so the CLI cannot be tested end to end:\n${output}`);
    console.warn(`tsc reported errors (dist/ was still written):\n${output}`);
  }
  writeFileSync(stamp, new Date().toISOString());
}
