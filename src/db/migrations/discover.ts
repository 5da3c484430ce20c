import { readFile, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { MigrationError, TenantguardError } from '../../errors.js';
import type { DiscoveredMigrations, MigrationFile } from '../types.js';
import type { MigrationLayout } from './layout.js';
import { MIGRATION_LAYOUTS } from './layouts.js';
import { SqlSyntaxError } from './split-sql.js';

export const LAYOUT_HINT =
  'expected *.sql files (applied in natural name order) or a drizzle-kit folder with meta/_journal.json';

/** A path as shown to users: relative to the working directory when inside it. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

/**
 * Read a migrations folder: find its layout, list its files in apply order
 * and split each into statements with their lines. Nothing touches a
 * database yet, so a missing folder or a syntax error is reported before the
 * embedded engine starts.
 */
export async function discoverMigrations(
  folder: string,
  cwd: string,
  layouts: readonly MigrationLayout[] = MIGRATION_LAYOUTS,
): Promise<DiscoveredMigrations> {
  const absolute = resolve(cwd, folder);
  const show = (path: string) => displayPath(path, cwd);
  const info = await stat(absolute).catch(() => null);
  if (!info) {
    throw new TenantguardError(`migrations folder ${show(absolute)} does not exist`, `check the path given to --migrations (relative to ${cwd})`);
  }
  if (!info.isDirectory()) {
    throw new TenantguardError(`${show(absolute)} is not a folder`, '--migrations takes the folder that holds the migration files');
  }

  for (const layout of layouts) {
    const paths = await layout.listFiles(absolute, show);
    if (paths === null) continue;
    if (paths.length === 0) throw new TenantguardError(`no migrations in ${show(absolute)} (${layout.name} layout lists none)`, LAYOUT_HINT);
    const files: MigrationFile[] = [];
    for (const path of paths) {
      const text = await readFile(path, 'utf8');
      try {
        files.push({ path, displayPath: show(path), statements: await layout.splitStatements(text) });
      } catch (error) {
        if (error instanceof SqlSyntaxError) {
          throw new MigrationError(show(path), error.line, error.message, 'PostgreSQL cannot parse this statement; psql meta-commands (\\i, \\set, COPY ... FROM stdin data) are not SQL');
        }
        throw error;
      }
    }
    return {
      layout: layout.name,
      folder: absolute,
      files,
      ...(layout.prelude ? { prelude: layout.prelude } : {}),
      ...(layout.skipsUnavailableExtensions ? { skipsUnavailableExtensions: true } : {}),
    };
  }
  throw new TenantguardError(`no migrations in ${show(absolute)}`, LAYOUT_HINT);
}
