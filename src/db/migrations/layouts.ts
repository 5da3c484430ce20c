import type { MigrationLayout } from './layout.js';
import { drizzleLayout } from './layouts/drizzle.js';
import { plainLayout } from './layouts/plain.js';
import { prismaLayout } from './layouts/prisma.js';
import { supabaseLayout } from './layouts/supabase.js';
import { upSqlLayout } from './layouts/up-sql.js';

/**
 * Known layouts, most specific first: a folder is read by the first layout
 * that recognises it. `plain` accepts any folder with *.sql files, so it stays last.
 */
export const MIGRATION_LAYOUTS: readonly MigrationLayout[] = [
  drizzleLayout,
  supabaseLayout,
  prismaLayout,
  upSqlLayout,
  plainLayout,
];
