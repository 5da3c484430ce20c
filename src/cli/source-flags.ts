/**
 * The flags every database-reading command accepts (audit, probe, diff,
 * snapshot, scaffold migration, scaffold tests): where the schema comes from
 * (--db | --migrations | --offline), which part of it (--schema), the tenancy
 * settings (--tenant-column, --app-role), the config file and the session's
 * timeouts. Declared once here, so every command spells and reads them alike.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { AuditOptions } from '../audit.js';
import type { Io } from './io.js';

/** The source and tenancy flags every database-reading command accepts. */
export interface SourceFlags {
  db?: string;
  migrations?: string;
  offline?: boolean;
  setup?: string[];
  config?: string;
  schema?: string[];
  tenantColumn?: string;
  appRole?: string;
  statementTimeout?: number;
  lockTimeout?: number;
}

/** Repeatable flags (--schema, --table): every value, in order. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function milliseconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('Expected a whole number of milliseconds (0 = no limit).');
  return Number(value);
}

const DB_HELP = 'database URL (default: $TENANTGUARD_DATABASE_URL, $DATABASE_URL, .env.local, .env)';
export const APP_ROLE_DEFAULT_HELP = 'the role the application connects as (default: every non-owner role with grants)';

/** How one command words its source flags (what it does with the database it reads). */
export interface SourceHelp {
  /** `--db`; default: a database URL that excludes --migrations. */
  db?: { help: string; excludesMigrations: boolean; repeatable?: boolean };
  migrations: string;
  /** `--offline`, for commands that read a migrations folder before a pre-commit hook. */
  offline?: string;
  schema: string;
  appRole: string;
}

/** --db | --migrations [--offline], --schema, --tenant-column, --app-role, --config: in this order, on every command. */
export function addSourceOptions(command: Command, help: SourceHelp): Command {
  const db = help.db ?? { help: DB_HELP, excludesMigrations: true };
  const dbOption = new Option('--db <url>', db.help);
  if (db.repeatable) dbOption.argParser(collect);
  command.addOption(db.excludesMigrations ? dbOption.conflicts('migrations') : dbOption).option('--migrations <dir>', help.migrations);
  if (help.offline) command.option('--offline', help.offline);
  command.option(
    '--setup <file>',
    'SQL applied to the embedded engine before the migrations: roles and grants kept outside them, e.g. docker/init.sql (repeatable; default: "setup" in the config)',
    collect,
  );
  return command
    .option('--schema <name>', help.schema, collect)
    .option('--tenant-column <name>', 'the column that holds the tenant id (default: organization_id)')
    .option('--app-role <role>', help.appRole)
    .option('--config <file>', 'config file (default: tenantguard.config.json found from the working directory upward)');
}

/** --statement-timeout and --lock-timeout, for the session (or transaction) `scope` names. */
export function addTimeoutOptions(command: Command, scope: string): Command {
  return command
    .option('--statement-timeout <ms>', `statement_timeout for ${scope} (default: 30000)`, milliseconds)
    .option('--lock-timeout <ms>', `lock_timeout for ${scope} (default: 5000)`, milliseconds);
}

/** Those flags as audit options (flags > env > file > defaults is resolved by the audit). */
export function sourceOptions(
  flags: SourceFlags,
  io: Io,
): Pick<AuditOptions, 'cwd' | 'env' | 'db' | 'migrations' | 'offline' | 'setup' | 'configPath' | 'schemas' | 'tenantColumn' | 'appRole' | 'statementTimeoutMs' | 'lockTimeoutMs'> {
  return {
    cwd: io.cwd,
    env: io.env,
    db: flags.db,
    migrations: flags.migrations,
    offline: flags.offline,
    setup: flags.setup,
    configPath: flags.config,
    schemas: flags.schema,
    tenantColumn: flags.tenantColumn,
    appRole: flags.appRole,
    statementTimeoutMs: flags.statementTimeout,
    lockTimeoutMs: flags.lockTimeout,
  };
}

/** `scaffold migration` and `scaffold tests` read the schema they write fixes and tests for. */
export const SCAFFOLD_SOURCE_HELP: SourceHelp = {
  migrations: 'apply this migrations folder to the embedded engine and scaffold from the result',
  schema: 'only this schema (repeatable; default: every non-system schema)',
  appRole: 'the role the application connects as',
};
