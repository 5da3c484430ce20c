import { describe, expect, it } from 'vitest';
import { expectUsageFailure, runCli } from '../support/cli.js';

describe('usage errors: one line, a hint, exit 2', () => {
  it('unknown flag', async () => {
    const run = await runCli(['audit', '--bogus']);
    expectUsageFailure(run, /^tenantguard: unknown option '--bogus'$/);
    expect(run.stderr).toContain('hint: run tenantguard audit --help');
  });

  it('unknown flag close to a real one suggests it', async () => {
    const run = await runCli(['audit', '--fail-onn', 'error']);
    expectUsageFailure(run, /unknown option '--fail-onn' \(Did you mean --fail-on\?\)/);
  });

  it('unknown command', async () => {
    const run = await runCli(['audti']);
    expectUsageFailure(run, /^tenantguard: unknown command 'audti' \(Did you mean audit\?\)$/);
    expect(run.stderr).toContain('hint: run tenantguard --help');
  });

  it('invalid --format lists the allowed formats', async () => {
    const run = await runCli(['audit', '--format', 'xml']);
    expectUsageFailure(run, /argument 'xml' is invalid\. Allowed choices are pretty, json\b/);
  });

  it('invalid --fail-on lists the allowed values', async () => {
    const run = await runCli(['audit', '--fail-on', 'critical']);
    expectUsageFailure(run, /argument 'critical' is invalid\. Allowed choices are error, warning, info, never\.$/);
  });

  it('non-numeric timeouts', async () => {
    expectUsageFailure(await runCli(['audit', '--statement-timeout', '30s']), /--statement-timeout <ms>' argument '30s' is invalid\. Expected a whole number of milliseconds/);
    expectUsageFailure(await runCli(['audit', '--lock-timeout', '-1']), /--lock-timeout <ms>' argument '-1' is invalid/);
  });

  it('--db and --migrations together', async () => {
    const run = await runCli(['audit', '--db', 'postgres://u:hunter2@localhost/app', '--migrations', 'drizzle']);
    expectUsageFailure(run, /option '--db <url>' cannot be used with option '--migrations <dir>'/);
    expect(run.stderr).not.toContain('hunter2');
  });

  it('a missing option argument', async () => {
    expectUsageFailure(await runCli(['audit', '--db']), /option '--db <url>' argument missing/);
  });

  it('a stray positional argument', async () => {
    expectUsageFailure(await runCli(['audit', 'postgres://u:hunter2@localhost/app']), /too many arguments for 'audit'/);
  });
});

describe('help and version', () => {
  it('--help lists the commands on stdout and exits 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage: tenantguard \[options\] \[command\]/);
    expect(run.stdout).toMatch(/^\s+audit \[options\]/m);
    expect(run.stdout).toMatch(/^\s+rules \[options\]/m);
    expect(run.stderr).toBe('');
  });

  it('audit --help documents every contract flag', async () => {
    const run = await runCli(['audit', '--help']);
    expect(run.code).toBe(0);
    for (const flag of ['--db <url>', '--migrations <dir>', '--schema <name>', '--tenant-column <name>', '--app-role <role>',
      '--format <format>', '--output <file>', '--fail-on <severity>', '--config <file>', '--statement-timeout <ms>', '--lock-timeout <ms>']) {
      expect(run.stdout).toContain(flag);
    }
  });

  it('--version prints the package version', async () => {
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default;
    const run = await runCli(['--version']);
    expect(run).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('no command prints the help on stderr and exits 2', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/Usage: tenantguard/);
  });
});
