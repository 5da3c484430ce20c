/**
 * End to end through bin/tenantguard.js in a real child process (dist/ is
 * built by the global setup): exit codes, streams, and start-up cost.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { emptyDir } from '../support/cli.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'tenantguard.js');
const HEAVY = ['/node_modules/pg/', '/node_modules/@electric-sql/pglite/', '/node_modules/libpg-query/', '/node_modules/prompts/',
  '/node_modules/execa/', '/node_modules/drizzle-kit/', '/node_modules/drizzle-orm/'];

async function tenantguard(args: string[], options: { nodeArgs?: string[]; env?: Record<string, string> } = {}) {
  return execa(process.execPath, [...(options.nodeArgs ?? []), bin, ...args], {
    cwd: await emptyDir(),
    reject: false,
    env: { NO_COLOR: '1', ...options.env },
    extendEnv: false,
  });
}

describe('bin/tenantguard.js', () => {
  it('--help exits 0 without loading the database engines, the parser, prompts or execa', async () => {
    const log = join(await emptyDir(), 'imports.log');
    const run = await tenantguard(['--help'], {
      nodeArgs: ['--import', join(root, 'test', 'support', 'record-imports.mjs')],
      env: { TENANTGUARD_IMPORT_LOG: log },
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Usage: tenantguard');
    const imported = (await readFile(log, 'utf8')).split('\n');
    // The recorder works: commander itself was resolved.
    expect(imported.some((url) => url.includes('/node_modules/commander/'))).toBe(true);
    for (const heavy of HEAVY) expect(imported.filter((url) => url.includes(heavy))).toEqual([]);
  });

  it('an unknown flag: exit 2, one message line and a hint on stderr, nothing on stdout', async () => {
    const run = await tenantguard(['audit', '--bogus']);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe("tenantguard: unknown option '--bogus'\nhint: run tenantguard audit --help");
  });

  it('a connection failure: exit 2, no stack trace, no password', async () => {
    const run = await tenantguard(['audit', '--db', 'postgres://alice:pa55-w0rd@127.0.0.1:1/app']);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^tenantguard: .+\nhint: .+$/);
    expect(run.stderr).not.toContain('pa55-w0rd');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
