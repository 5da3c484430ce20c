import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { MigrationLayout } from '../layout.js';
import { splitSql } from '../split-sql.js';

/**
 * `prisma/migrations/<timestamp>_<name>/migration.sql` (Prisma Migrate):
 * one folder per migration, applied in folder-name order — Prisma sorts the
 * names as plain strings, and its timestamp prefixes make that chronological.
 */
export const prismaLayout: MigrationLayout = {
  name: 'prisma',
  async listFiles(folder) {
    const entries = await readdir(folder, { withFileTypes: true });
    const files: string[] = [];
    for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const file = join(folder, entry.name, 'migration.sql');
      if (await access(file).then(() => true, () => false)) files.push(file);
    }
    return files.length > 0 ? files : null;
  },
  splitStatements: (text) => splitSql(text),
};
