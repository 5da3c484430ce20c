import { readFile, stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { MigrationError, systemFailure, TenantguardError } from '../../errors.js';
import type { DiscoveredMigrations, MigrationFile } from '../types.js';
import { extensionsNamedIn } from './extension-objects.js';
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
    const paths = await layout.listFiles(absolute, show).catch((error: unknown) => {
      throw systemFailure(error, { action: 'list the migrations in', path: show((error as NodeJS.ErrnoException).path ?? absolute) }) ?? error;
    });
    if (paths === null) continue;
    if (paths.length === 0) throw new TenantguardError(`no migrations in ${show(absolute)} (${layout.name} layout lists none)`, LAYOUT_HINT);
    const files: MigrationFile[] = [];
    for (const path of paths) {
      const text = await readMigration(path, show(path));
      try {
        files.push({ path, displayPath: show(path), statements: await layout.splitStatements(text) });
      } catch (error) {
        if (error instanceof SqlSyntaxError) {
          throw new MigrationError(show(path), error.line, error.message, 'PostgreSQL cannot parse this statement; psql meta-commands (\\i, \\set, COPY ... FROM stdin data) are not SQL');
        }
        throw error;
      }
    }
    const platform = platformExtensionsFor(layout, files);
    const prelude = [layout.prelude ?? '', ...platform.map((name) => `CREATE EXTENSION IF NOT EXISTS "${name}" WITH SCHEMA ${layout.preinstalledExtensions!.schema};\n`)].join('');
    return {
      layout: layout.name,
      folder: absolute,
      files,
      ...(prelude ? { prelude } : {}),
      ...(platform.length > 0 ? { platformExtensions: platform } : {}),
    };
  }
  throw new TenantguardError(`no migrations in ${show(absolute)}`, LAYOUT_HINT);
}

/** The platform's preinstalled extensions that the files name an object of. */
function platformExtensionsFor(layout: MigrationLayout, files: readonly MigrationFile[]): string[] {
  if (!layout.preinstalledExtensions) return [];
  const texts = files.flatMap((file) => file.statements.map((statement) => statement.sql));
  return extensionsNamedIn(texts, layout.preinstalledExtensions.names);
}

/**
 * A migration file's text. Only regular files are read (after following
 * links): a link to a FIFO or a device would block or never end.
 */
export async function readMigration(path: string, shown: string): Promise<string> {
  try {
    const info = await stat(path);
    if (!info.isFile()) {
      throw new TenantguardError(
        `cannot read migration ${shown}: it is ${info.isDirectory() ? 'a folder' : 'not a regular file'}`,
        'every migration must be a regular file; remove or rename it',
      );
    }
    return await readFile(path, 'utf8');
  } catch (error) {
    throw systemFailure(error, { action: 'read migration', path: shown }) ?? error;
  }
}
