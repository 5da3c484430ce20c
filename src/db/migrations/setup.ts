import { stat } from 'node:fs/promises';
import { TenantguardError, MigrationError } from '../../errors.js';
import type { MigrationFile } from '../types.js';
import { displayPath, readMigration } from './discover.js';
import { splitSql, SqlSyntaxError } from './split-sql.js';

/**
 * The `--setup` files (or config `setup`), read and split like plain
 * migrations: SQL the project keeps outside its migrations (roles, grants,
 * schemas made by docker/init.sql or a deploy script) that the live database
 * has, applied before the migrations so the offline verdict is the live one.
 */
export async function readSetupFiles(paths: readonly string[], cwd: string): Promise<MigrationFile[]> {
  const files: MigrationFile[] = [];
  for (const path of paths) {
    const shown = displayPath(path, cwd);
    if (!(await stat(path).then(() => true, () => false))) {
      throw new TenantguardError(`setup file ${shown} does not exist`, 'check the --setup path (relative to the working directory) or "setup" in tenantguard.config.json (relative to that file)');
    }
    const text = await readMigration(path, shown);
    try {
      files.push({ path, displayPath: shown, statements: await splitSql(text) });
    } catch (error) {
      if (error instanceof SqlSyntaxError) throw new MigrationError(shown, error.line, error.message, 'PostgreSQL cannot parse this statement of the setup file; psql meta-commands (\\connect, \\set) are not SQL');
      throw error;
    }
  }
  return files;
}
