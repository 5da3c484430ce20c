import { ConfigError } from '../errors.js';
import type { Config, IgnoreEntry, SeveritySetting } from './types.js';

/** The settings a config file may contain (everything in Config is optional there). */
export type FileConfig = Partial<Config>;

const SEVERITY_SETTINGS: readonly SeveritySetting[] = ['error', 'warning', 'info', 'off'];

/** Keys a config file may hold; `$schema` is for editors and ignored. */
export const KNOWN_KEYS = [
  '$schema',
  'tenantColumn',
  'tenantTable',
  'contextSetting',
  'appRole',
  'schemas',
  'schemaPerTenant',
  'globalTables',
  'platformRoles',
  'anonRole',
  'rules',
  'ignore',
  'statementTimeoutMs',
  'lockTimeoutMs',
  'docsBaseUrl',
  'setup',
  'databases',
] as const;

export interface ValidateOptions {
  /** Shown in every message, e.g. `tenantguard.config.json`. */
  file: string;
  /** Rule ids that `rules` and `ignore` may name; unchecked when omitted. */
  knownRules?: readonly string[];
  /** Line of a JSON path in the file, so messages read `file:line: path: problem`. */
  lineOf?: (path: string) => number | undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : `${typeof value} ${JSON.stringify(value)}`;
}

function fail(options: ValidateOptions, path: string, problem: string): never {
  const line = options.lineOf?.(path);
  throw new ConfigError(`${options.file}${line === undefined ? '' : `:${line}`}: ${path}: ${problem}`, 'fix the config file (see the README section "Config")');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(options: ValidateOptions, path: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    fail(options, path, `expected a non-empty string, got ${describe(value)}`);
  }
  return value;
}

function stringList(options: ValidateOptions, path: string, value: unknown): string[] {
  if (!Array.isArray(value)) fail(options, path, `expected an array of strings, got ${describe(value)}`);
  return value.map((item, i) => nonEmptyString(options, `${path}[${i}]`, item));
}

function milliseconds(options: ValidateOptions, path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    fail(options, path, `expected a whole number of milliseconds (0 = no limit), got ${describe(value)}`);
  }
  return value;
}

/** An absolute URL (https:, file:, …): links in reports must resolve wherever the report is read. */
function absoluteUrl(options: ValidateOptions, path: string, value: unknown): string {
  const text = nonEmptyString(options, path, value);
  if (!URL.canParse(text.replaceAll('{version}', '0'))) fail(options, path, `expected an absolute URL such as "https://example.com/tenantguard/docs/rules/", got ${describe(value)}`);
  return text;
}

function ruleId(options: ValidateOptions, path: string, value: string): string {
  if (options.knownRules && !options.knownRules.includes(value)) {
    fail(options, path, `unknown rule ${JSON.stringify(value)} (run tenantguard rules)`);
  }
  return value;
}

function ruleSettings(options: ValidateOptions, value: unknown): Record<string, SeveritySetting> {
  if (!isRecord(value)) fail(options, 'rules', `expected an object of rule id → severity, got ${describe(value)}`);
  const out: Record<string, SeveritySetting> = {};
  for (const [id, setting] of Object.entries(value)) {
    ruleId(options, `rules.${id}`, id);
    if (typeof setting !== 'string' || !SEVERITY_SETTINGS.includes(setting as SeveritySetting)) {
      fail(options, `rules.${id}`, `expected one of ${SEVERITY_SETTINGS.join(', ')}, got ${describe(setting)}`);
    }
    out[id] = setting as SeveritySetting;
  }
  return out;
}

function ignoreEntries(options: ValidateOptions, value: unknown): IgnoreEntry[] {
  if (!Array.isArray(value)) fail(options, 'ignore', `expected an array of { rule, object, reason }, got ${describe(value)}`);
  return value.map((entry, i) => {
    const path = `ignore[${i}]`;
    if (!isRecord(entry)) fail(options, path, `expected an object { rule, object, reason }, got ${describe(entry)}`);
    for (const key of Object.keys(entry)) {
      if (!['rule', 'object', 'reason'].includes(key)) fail(options, `${path}.${key}`, 'unknown key (expected rule, object, reason)');
    }
    if (entry.reason === undefined) fail(options, `${path}.reason`, 'missing: every ignore entry needs a reason');
    return {
      rule: ruleId(options, `${path}.rule`, nonEmptyString(options, `${path}.rule`, entry.rule)),
      object: nonEmptyString(options, `${path}.object`, entry.object),
      reason: nonEmptyString(options, `${path}.reason`, entry.reason),
    };
  });
}

/**
 * Checks the types of a parsed config file and returns only the settings it
 * contains. Every message names the file and the JSON path of the bad value.
 */
export function validateFileConfig(raw: unknown, options: ValidateOptions): FileConfig {
  if (!isRecord(raw)) fail(options, '(root)', `expected an object, got ${describe(raw)}`);
  const out: FileConfig = {};
  for (const [key, value] of Object.entries(raw)) {
    switch (key as (typeof KNOWN_KEYS)[number]) {
      case '$schema':
        break;
      case 'tenantColumn':
        out.tenantColumn = nonEmptyString(options, key, value);
        break;
      case 'tenantTable':
        out.tenantTable = value === null ? null : nonEmptyString(options, key, value);
        break;
      case 'contextSetting': {
        const setting = nonEmptyString(options, key, value);
        // Custom settings must be two-part names (runtime-config-custom).
        if (!/^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)+$/.test(setting)) {
          fail(options, key, `expected a dotted setting name such as "app.current_org_id", got ${describe(value)}`);
        }
        out.contextSetting = setting;
        break;
      }
      case 'appRole':
        out.appRole = value === null ? null : nonEmptyString(options, key, value);
        break;
      case 'schemas':
        out.schemas = value === null ? null : stringList(options, key, value);
        if (out.schemas?.length === 0) fail(options, key, 'expected at least one schema (or null for every non-system schema)');
        break;
      case 'schemaPerTenant':
        out.schemaPerTenant = value === null ? null : nonEmptyString(options, key, value);
        break;
      case 'globalTables':
        out.globalTables = stringList(options, key, value);
        break;
      case 'platformRoles':
        out.platformRoles = stringList(options, key, value);
        break;
      case 'anonRole':
        out.anonRole = value === null ? null : nonEmptyString(options, key, value);
        break;
      case 'rules':
        out.rules = ruleSettings(options, value);
        break;
      case 'ignore':
        out.ignore = ignoreEntries(options, value);
        break;
      case 'statementTimeoutMs':
        out.statementTimeoutMs = milliseconds(options, key, value);
        break;
      case 'lockTimeoutMs':
        out.lockTimeoutMs = milliseconds(options, key, value);
        break;
      case 'setup':
        out.setup = stringList(options, key, value);
        break;
      case 'databases':
        out.databases = stringList(options, key, value);
        break;
      case 'docsBaseUrl':
        out.docsBaseUrl = value === null ? null : absoluteUrl(options, key, value);
        break;
      default:
        fail(options, key, `unknown setting (expected one of ${KNOWN_KEYS.filter((k) => k !== '$schema').join(', ')})`);
    }
  }
  return out;
}
