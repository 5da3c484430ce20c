import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { MigrationLayout } from '../layout.js';
import { compareNatural } from '../natural-order.js';
import { splitSql } from '../split-sql.js';

/**
 * A folder of `*.sql` files, applied in natural name order (digit runs
 * compare as numbers, so `2_x.sql` runs before `10_x.sql`; zero-padded or
 * timestamped names sort the same as they would lexicographically).
 * `*.down.sql` files are rollbacks, never applied. Subfolders are ignored.
 */
export const plainLayout: MigrationLayout = {
  name: 'plain',
  async listFiles(folder) {
    const entries = await readdir(folder, { withFileTypes: true });
    const names = entries
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && /\.sql$/i.test(e.name) && !/\.down\.sql$/i.test(e.name))
      .map((e) => e.name)
      .sort(compareNatural);
    return names.length > 0 ? names.map((name) => join(folder, name)) : null;
  },
  splitStatements: (text) => splitSql(text),
};
