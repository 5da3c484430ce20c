/**
 * Whether the project's migrations create the app role: when they do not
 * (it comes from docker/init.sql, the hosting platform, a person), the
 * migration's policies name a role a fresh database lacks, and the offline
 * audit needs --setup or a migration that creates it (--create-app-role).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { quoteIdent } from '../../sql/quote.js';
import type { LayoutName } from './layouts/types.js';

/** Whether any .sql file in `folder` (or below it) creates `role`: CREATE ROLE or CREATE USER, quoted or not. */
export async function folderCreatesRole(folder: string, role: string): Promise<boolean> {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Bare or quoted as written by hand, or as quoteIdent spells it (a name with `"` doubles it).
  const name = `("?${escape(role)}"?|${escape(quoteIdent(role))})`;
  const creates = new RegExp(`create\\s+(role|user)\\s+(if\\s+not\\s+exists\\s+)?${name}(\\s|;|$)`, 'i');
  const entries = await readdir(folder, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.sql')) continue;
    const text = await readFile(path.join(entry.parentPath ?? folder, entry.name), 'utf8').catch(() => '');
    if (creates.test(text)) return true;
  }
  return false;
}

/** The folder the layout writes the migration to (drizzle: drizzle.config's out, read as text, else ./drizzle). */
export async function migrationsFolderFor(layout: LayoutName, cwd: string, out: string | null): Promise<string> {
  switch (layout) {
    case 'plain':
      return path.resolve(cwd, out ?? 'migrations');
    case 'supabase':
      return path.resolve(cwd, out ?? 'supabase/migrations');
    case 'drizzle': {
      const { findMigrationsFolder } = await import('../../db/migrations/find-folder.js');
      return (await findMigrationsFolder(cwd)).found?.folder ?? path.resolve(cwd, 'drizzle');
    }
  }
}
