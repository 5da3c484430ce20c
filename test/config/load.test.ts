import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv, findConfigFile, loadConfig, mergeConfig } from '../../src/config/load.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { ConfigError } from '../../src/errors.js';

let root: string;

async function project(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), text);
  }
  await mkdir(dir, { recursive: true });
  return dir;
}

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tenantguard-config-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('finding the config file', () => {
  it('walks up from the working directory to tenantguard.config.json', async () => {
    const dir = await project('walk', { 'tenantguard.config.json': '{"appRole":"app"}', 'packages/web/src/.keep': '' });
    expect(await findConfigFile(join(dir, 'packages/web/src'))).toEqual({
      path: join(dir, 'tenantguard.config.json'),
      inPackageJson: false,
    });
  });

  it('reads the "tenantguard" key of package.json, and skips package.json files without one', async () => {
    const dir = await project('pkg', {
      'package.json': JSON.stringify({ name: 'app', tenantguard: { tenantColumn: 'tenant_id' } }),
      'sub/package.json': JSON.stringify({ name: 'sub' }),
    });
    const { config, path } = await loadConfig({ cwd: join(dir, 'sub'), env: {} });
    expect(path).toBe(join(dir, 'package.json'));
    expect(config.tenantColumn).toBe('tenant_id');
  });

  it('uses the defaults when there is no file', async () => {
    const dir = await project('none', { '.keep': '' });
    // The temp dir sits below / with no config of its own; a stray config above it would show here.
    const { config, path } = await loadConfig({ cwd: dir, env: {} });
    expect(path).toBeNull();
    expect(config).toEqual(DEFAULT_CONFIG);
  });
});

describe('precedence', () => {
  it('flags > environment > file > defaults', async () => {
    const dir = await project('precedence', {
      'tenantguard.config.json': JSON.stringify({ tenantColumn: 'file_col', appRole: 'file_role', schemas: ['app'], lockTimeoutMs: 100 }),
    });
    const { config } = await loadConfig({
      cwd: dir,
      env: { TENANTGUARD_APP_ROLE: 'env_role', TENANTGUARD_TENANT_COLUMN: 'env_col', TENANTGUARD_SCHEMAS: 'a, b' },
      flags: { tenantColumn: 'flag_col', appRole: undefined },
    });
    expect(config.tenantColumn).toBe('flag_col');
    expect(config.appRole).toBe('env_role');
    expect(config.schemas).toEqual(['a', 'b']);
    expect(config.lockTimeoutMs).toBe(100);
    expect(config.statementTimeoutMs).toBe(DEFAULT_CONFIG.statementTimeoutMs);
  });

  it('schemaPerTenant: file < environment < flag', async () => {
    const dir = await project('schema-per-tenant', { 'tenantguard.config.json': JSON.stringify({ schemaPerTenant: 'file_*' }) });
    const load = (env: Record<string, string>, flag?: string) => loadConfig({ cwd: dir, env, flags: { schemaPerTenant: flag } });
    expect((await load({})).config.schemaPerTenant).toBe('file_*');
    expect((await load({ TENANTGUARD_SCHEMA_PER_TENANT: ' env_* ' })).config.schemaPerTenant).toBe('env_*');
    expect((await load({ TENANTGUARD_SCHEMA_PER_TENANT: 'env_*' }, 'flag_?')).config.schemaPerTenant).toBe('flag_?');
  });

  it('--config overrides the search, relative to the working directory', async () => {
    const dir = await project('explicit', {
      'tenantguard.config.json': '{"appRole":"found"}',
      'other/custom.json': '{"appRole":"explicit"}',
    });
    const { config, path } = await loadConfig({ cwd: dir, env: {}, configPath: 'other/custom.json' });
    expect(config.appRole).toBe('explicit');
    expect(path).toBe(join(dir, 'other/custom.json'));
  });

  it('merges rule settings over the defaults and keeps ignore entries', () => {
    const config = mergeConfig(
      { rules: { 'rls-not-forced': 'warning' }, ignore: [{ rule: 'rls-disabled', object: 'public.log', reason: 'append-only' }] },
      {},
    );
    expect(config.rules).toEqual({ 'rls-not-forced': 'warning' });
    expect(config.ignore).toHaveLength(1);
  });

  it('rejects a non-numeric timeout in the environment', () => {
    expect(() => configFromEnv({ TENANTGUARD_STATEMENT_TIMEOUT_MS: '5s' })).toThrow(/TENANTGUARD_STATEMENT_TIMEOUT_MS=5s/);
  });
});

describe('validation errors name the file, the JSON path and the problem', () => {
  const cases: [string, unknown, RegExp][] = [
    ['wrong type', { tenantColumn: 42 }, /tenantguard\.config\.json:1: tenantColumn: expected a non-empty string, got number 42/],
    ['array item', { globalTables: ['plans', 3] }, /globalTables\[1\]: expected a non-empty string, got number 3/],
    ['unknown key', { tenantColum: 'x' }, /tenantColum: unknown setting \(expected one of tenantColumn,/],
    ['severity', { rules: { 'rls-disabled': 'fatal' } }, /rules\.rls-disabled: expected one of error, warning, info, off, got the string "fatal"/],
    ['unknown rule', { rules: { 'rls-off': 'off' } }, /rules\.rls-off: unknown rule "rls-off" \(run tenantguard rules\)/],
    ['ignore reason', { ignore: [{ rule: 'rls-disabled', object: 'public.log' }] }, /ignore\[0\]\.reason: missing: every ignore entry needs a reason/],
    ['timeout', { statementTimeoutMs: -1 }, /statementTimeoutMs: expected a whole number of milliseconds/],
    ['context setting', { contextSetting: 'org_id' }, /contextSetting: expected a dotted setting name/],
    ['root', ['not', 'an', 'object'], /\(root\): expected an object, got an array/],
  ];
  for (const [name, body, message] of cases) {
    it(name, async () => {
      const dir = await project(`invalid-${name.replace(/\W/g, '-')}`, { 'tenantguard.config.json': JSON.stringify(body) });
      const error = await configError(loadConfig({ cwd: dir, env: {}, knownRules: ['rls-disabled', 'rls-not-forced'] }));
      expect(error.message).toMatch(message);
      expect(error.hint).toBeTruthy();
    });
  }

  it('reports JSON syntax errors with line and column', async () => {
    const dir = await project('syntax', { 'tenantguard.config.json': '{\n  "appRole": "app",\n  oops\n}' });
    const error = await configError(loadConfig({ cwd: dir, env: {} }));
    expect(error.message).toMatch(/^tenantguard\.config\.json: invalid JSON at line 3, column 3/);
  });

  it('reports a --config file that does not exist', async () => {
    const dir = await project('missing', { '.keep': '' });
    const error = await configError(loadConfig({ cwd: dir, env: {}, configPath: 'nope.json' }));
    expect(error.message).toBe('config file nope.json does not exist');
  });
});
