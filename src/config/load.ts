import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { DEFAULT_CONFIG, type Config } from './types.js';
import { jsonPathLines, lineOfPath } from './json-lines.js';
import { validateFileConfig, type FileConfig } from './validate.js';

export const CONFIG_FILE_NAME = 'tenantguard.config.json';

/** Settings that can come from flags or the environment (the rest live in the file). */
export type ConfigOverrides = Partial<
  Pick<
    Config,
    'tenantColumn' | 'tenantTable' | 'contextSetting' | 'appRole' | 'schemas' | 'schemaPerTenant' | 'statementTimeoutMs' | 'lockTimeoutMs' | 'docsBaseUrl'
  >
>;

/** The overrides among a command's or an API call's options; an empty schema list overrides nothing. */
export function configOverrides(options: ConfigOverrides): ConfigOverrides {
  return {
    tenantColumn: options.tenantColumn,
    tenantTable: options.tenantTable,
    contextSetting: options.contextSetting,
    appRole: options.appRole,
    schemas: options.schemas && options.schemas.length > 0 ? options.schemas : undefined,
    schemaPerTenant: options.schemaPerTenant,
    statementTimeoutMs: options.statementTimeoutMs,
    lockTimeoutMs: options.lockTimeoutMs,
    docsBaseUrl: options.docsBaseUrl,
  };
}

export interface LoadConfigOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  /** `--config FILE`; when absent the file is searched for from cwd upward. */
  configPath?: string;
  /** Command-line flags; undefined entries do not override. */
  flags?: ConfigOverrides;
  /** Rule ids that the file's `rules` and `ignore` may name. */
  knownRules?: readonly string[];
}

export interface LoadedConfig {
  config: Config;
  /** The file the settings came from, or null when only defaults/env/flags apply. */
  path: string | null;
}

export interface FoundConfigFile {
  path: string;
  /** package.json holds the settings under its "tenantguard" key. */
  inPackageJson: boolean;
}

/** Environment variables and the setting each one overrides. */
export const CONFIG_ENV_VARS = {
  TENANTGUARD_TENANT_COLUMN: 'tenantColumn',
  TENANTGUARD_TENANT_TABLE: 'tenantTable',
  TENANTGUARD_CONTEXT_SETTING: 'contextSetting',
  TENANTGUARD_APP_ROLE: 'appRole',
  TENANTGUARD_SCHEMAS: 'schemas',
  TENANTGUARD_SCHEMA_PER_TENANT: 'schemaPerTenant',
  TENANTGUARD_STATEMENT_TIMEOUT_MS: 'statementTimeoutMs',
  TENANTGUARD_LOCK_TIMEOUT_MS: 'lockTimeoutMs',
  TENANTGUARD_DOCS_BASE_URL: 'docsBaseUrl',
} as const satisfies Record<string, keyof ConfigOverrides>;

function hasTenantguardKey(packageJson: string): boolean {
  try {
    const parsed: unknown = JSON.parse(packageJson);
    return typeof parsed === 'object' && parsed !== null && 'tenantguard' in parsed;
  } catch {
    // A broken package.json that is not ours to read: keep searching.
    return false;
  }
}

/**
 * Looks for tenantguard.config.json, then a package.json with a "tenantguard"
 * key, in `cwd` and each parent directory up to the filesystem root.
 */
export async function findConfigFile(cwd: string): Promise<FoundConfigFile | null> {
  let dir = resolve(cwd);
  for (;;) {
    const file = join(dir, CONFIG_FILE_NAME);
    if (existsSync(file)) return { path: file, inPackageJson: false };
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && hasTenantguardKey(await readFile(pkg, 'utf8'))) return { path: pkg, inPackageJson: true };
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** `line L, column C` for a character offset, for JSON syntax errors. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

function parseJson(text: string, display: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const where = position ? ` at ${lineAndColumn(text, Number(position[1]))}` : '';
    throw new ConfigError(`${display}: invalid JSON${where}: ${message.split('\n')[0]}`, 'fix the JSON syntax in the config file');
  }
}

/** Reads and validates one config file (or the "tenantguard" key of a package.json). */
export async function readConfigFile(
  found: FoundConfigFile,
  cwd: string,
  knownRules?: readonly string[],
): Promise<FileConfig> {
  const display = relative(cwd, found.path) || found.path;
  let text: string;
  try {
    text = await readFile(found.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === 'ENOENT' ? `config file ${display} does not exist` : `cannot read config file ${display} (${code ?? 'error'})`,
      'check the --config path',
    );
  }
  const parsed = parseJson(text, display);
  if (found.inPackageJson) {
    const section = (parsed as Record<string, unknown> | null)?.tenantguard;
    if (section === undefined) {
      throw new ConfigError(`${display} has no "tenantguard" key`, `add one, or put the settings in ${CONFIG_FILE_NAME}`);
    }
    return validateFileConfig(section, {
      file: `${display} "tenantguard"`,
      knownRules,
      lineOf: (path) => lineOfPath(jsonPathLines(text), path === '(root)' ? 'tenantguard' : `tenantguard.${path}`),
    });
  }
  return validateFileConfig(parsed, { file: display, knownRules, lineOf: (path) => lineOfPath(jsonPathLines(text), path) });
}

function envMilliseconds(name: string, value: string): number {
  if (!/^\d+$/.test(value.trim())) {
    throw new ConfigError(`${name}=${value}: expected a whole number of milliseconds`, `unset ${name} or give it a number`);
  }
  return Number(value.trim());
}

/** Settings given through TENANTGUARD_* environment variables. */
export function configFromEnv(env: Record<string, string | undefined>): ConfigOverrides {
  const out: ConfigOverrides = {};
  for (const [name, key] of Object.entries(CONFIG_ENV_VARS)) {
    const value = env[name];
    if (value === undefined || value.trim() === '') continue;
    switch (key) {
      case 'schemas':
        out.schemas = value.split(',').map((s) => s.trim()).filter(Boolean);
        break;
      case 'statementTimeoutMs':
      case 'lockTimeoutMs':
        out[key] = envMilliseconds(name, value);
        break;
      default:
        out[key] = value.trim();
    }
  }
  return out;
}

function defined<T extends object>(values: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(values ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Precedence: flags > environment > config file > DEFAULT_CONFIG. */
export function mergeConfig(file: FileConfig, env: ConfigOverrides, flags: ConfigOverrides = {}): Config {
  const merged: Config = { ...DEFAULT_CONFIG, ...defined(file), ...defined(env), ...defined(flags) };
  merged.rules = { ...DEFAULT_CONFIG.rules, ...(file.rules ?? {}) };
  merged.ignore = [...DEFAULT_CONFIG.ignore, ...(file.ignore ?? [])];
  merged.globalTables = [...(file.globalTables ?? DEFAULT_CONFIG.globalTables)];
  merged.setup = [...(file.setup ?? DEFAULT_CONFIG.setup)];
  merged.databases = [...(file.databases ?? DEFAULT_CONFIG.databases)];
  merged.platformRoles = [...(file.platformRoles ?? DEFAULT_CONFIG.platformRoles)];
  return merged;
}

/** Finds (or takes from --config), validates and merges the configuration. */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const found: FoundConfigFile | null = options.configPath
    ? { path: resolve(options.cwd, options.configPath), inPackageJson: basename(options.configPath) === 'package.json' }
    : await findConfigFile(options.cwd);
  const file = found ? await readConfigFile(found, options.cwd, options.knownRules) : {};
  // setup files are named relative to the config file, as a repository keeps them
  if (found && file.setup) file.setup = file.setup.map((path) => resolve(dirname(found.path), path));
  return {
    config: mergeConfig(file, configFromEnv(options.env), options.flags),
    path: found?.path ?? null,
  };
}
