import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { MigrationLayout } from '../layout.js';
import { compareNatural } from '../natural-order.js';
import { splitSql } from '../split-sql.js';

/**
 * `<version>_<name>.up.sql` beside `.down.sql` (golang-migrate, sqlx,
 * node-pg-migrate's SQL files and others): only the up files are applied, in
 * version order (golang-migrate compares versions as numbers, as natural order does).
 */
export const upSqlLayout: MigrationLayout = {
  name: 'up-sql',
  async listFiles(folder) {
    const entries = await readdir(folder, { withFileTypes: true });
    const names = entries
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && /\.up\.sql$/i.test(e.name))
      .map((e) => e.name)
      .sort(compareNatural);
    return names.length > 0 ? names.map((name) => join(folder, name)) : null;
  },
  splitStatements: (text) => splitSql(text),
};
