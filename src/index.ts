/**
 * tenantguard as a library: the same audit the CLI runs, and the stages it is
 * made of (introspect a catalog, run rules, render a report).
 */
export { runAudit, runAudit as audit, auditDetailed } from './audit.js';
export type { AuditOptions, AuditRun } from './audit.js';

export { introspect } from './catalog/introspect.js';
export type { IntrospectOptions } from './catalog/introspect.js';
export type * from './catalog/types.js';

export { rules, findRule } from './rules/index.js';
export { defineRule } from './rules/define-rule.js';
export type { Rule, RuleContext, Problem, Fix, FindingObject, ObjectKind } from './rules/types.js';

export type { AuditResult, Finding, Source, Summary } from './check/types.js';
export type { Tenancy, TenantTable, ForeignKeyHop } from './tenancy/types.js';

export { loadConfig, findConfigFile } from './config/load.js';
export type { LoadConfigOptions, LoadedConfig } from './config/load.js';
export { DEFAULT_CONFIG } from './config/types.js';
export type { Config, FailOn, IgnoreEntry, Severity, SeveritySetting } from './config/types.js';

export { reporters, formats, loadReporter } from './report/index.js';
export type { Format, Reporter, ReportOptions } from './report/index.js';
export { renderPretty } from './report/pretty.js';
export { renderJson } from './report/json.js';

export { TenantguardError, UsageError, ConfigError, ConnectionError, MigrationError, isTenantguardError } from './errors.js';
