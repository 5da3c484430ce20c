import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { MigrationLayout } from '../layout.js';
import { compareNatural } from '../natural-order.js';
import { splitSql } from '../split-sql.js';
import { SUPABASE_PLATFORM_SQL } from './supabase-platform.js';

/** The Supabase CLI reads only `<version>_<name>.sql` and applies them in version order. */
const MIGRATION_FILE = /^(\d+)_.*\.sql$/;

/**
 * `supabase/migrations/<timestamp>_<name>.sql`. Supabase projects assume the
 * platform's roles (anon, authenticated, service_role), schemas (auth,
 * storage, extensions) and auth helpers exist, so those are created first
 * (with pgcrypto and uuid-ossp in `extensions` when a migration uses them).
 */
export const supabaseLayout: MigrationLayout = {
  name: 'supabase',
  prelude: SUPABASE_PLATFORM_SQL,
  preinstalledExtensions: { schema: 'extensions', names: ['pgcrypto', 'uuid-ossp'] },
  async listFiles(folder) {
    if (basename(folder) !== 'migrations' || basename(dirname(folder)) !== 'supabase') return null;
    const entries = await readdir(folder, { withFileTypes: true });
    const names = entries
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && MIGRATION_FILE.test(e.name))
      .map((e) => e.name)
      .sort(compareNatural);
    return names.map((name) => join(folder, name));
  },
  splitStatements: (text) => splitSql(text),
};
