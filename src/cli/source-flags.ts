import type { AuditOptions } from '../audit.js';
import type { Io } from './io.js';

/** The source and tenancy flags every database-reading command accepts. */
export interface SourceFlags {
  db?: string;
  migrations?: string;
  config?: string;
  schema?: string[];
  tenantColumn?: string;
  appRole?: string;
}

/** Those flags as audit options (flags > env > file > defaults is resolved by the audit). */
export function sourceOptions(flags: SourceFlags, io: Io): Pick<AuditOptions, 'cwd' | 'env' | 'db' | 'migrations' | 'configPath' | 'schemas' | 'tenantColumn' | 'appRole'> {
  return {
    cwd: io.cwd,
    env: io.env,
    db: flags.db,
    migrations: flags.migrations,
    configPath: flags.config,
    schemas: flags.schema,
    tenantColumn: flags.tenantColumn,
    appRole: flags.appRole,
  };
}
