/**
 * `tenantguard scaffold helper`: the app-side half of the tenant context — a
 * `withRLS` for Drizzle on node-postgres that sets the context with
 * set_config(…, true) inside a transaction (docs/postgres-rls.md#empty-context, #session-settings).
 */
import { fillTemplate, readTemplate } from './fill-template.js';
import type { PlannedFile } from './write-files.js';

export const DEFAULT_HELPER_PATH = 'src/lib/with-rls.ts';

export interface HelperOptions {
  contextSetting: string;
  /** Module specifier the helper imports `db` from. */
  dbImport: string;
  /** Where to write it (relative to the working directory). */
  out: string;
}

/** A single-quoted TypeScript string's contents. */
function tsString(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\r/g, '\\r').replace(/\n/g, '\\n');
}

/** Text inside a `//` or `/** *\/` comment: no line breaks, no comment end. */
function tsComment(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, '?').replace(/\*\//g, '*\\/');
}

export async function planHelper(options: HelperOptions): Promise<PlannedFile> {
  const template = await readTemplate('helper/with-rls.ts');
  const contents = fillTemplate(
    template,
    {
      db_import: tsString(options.dbImport),
      context_setting: tsString(options.contextSetting),
      context_setting_comment: tsComment(options.contextSetting),
    },
    'helper/with-rls.ts',
  );
  return { path: options.out, contents };
}
