/**
 * `scaffold tests`: from the catalog to the planned files of the leak suite.
 * Pure apart from reading the templates; writing is left to write-files.ts.
 */
import { randomBytes } from 'node:crypto';
import { tableKey } from '../../catalog/types.js';
import { UsageError } from '../../errors.js';
import type { RuleContext } from '../../rules/types.js';
import { displayName } from '../../sql/quote.js';
import { namesTable } from '../../tenancy/build.js';
import type { PlannedFile } from '../write-files.js';
import { chooseAppRole, type AppRoleChoice } from './app-role.js';
import { needsParser, planIsolation } from './plan.js';
import { renderSuite } from './render.js';
import type { IsolationPlan } from './types.js';

export interface LeakSuiteOptions {
  outDir: string;
  /** `--table` entries (`name` or `schema.name`); default: every tenant table. */
  tables?: readonly string[];
  /** Where the catalog came from, for the data file's header. */
  source: string;
  /** Fixed in tests; random otherwise, so seeded values never meet existing rows. */
  nonce?: string;
}

export interface LeakSuite {
  files: PlannedFile[];
  plan: IsolationPlan;
  role: AppRoleChoice;
}

/** Tenant tables named by `--table`; an entry that names none is a usage error. */
export function selectTenantTables(context: Pick<RuleContext, 'tenancy'>, entries: readonly string[] | undefined): Set<string> | undefined {
  if (!entries || entries.length === 0) return undefined;
  const tenant = context.tenancy.tenantTables.map((t) => t.table);
  const selected = new Set<string>();
  for (const entry of entries) {
    const matches = tenant.filter((table) => namesTable(entry, table));
    if (matches.length === 0) {
      const known = tenant.slice(0, 8).map((t) => displayName(t.schema, t.name)).join(', ');
      throw new UsageError(`"${entry}" is not a tenant table`, `tenant tables: ${known}${tenant.length > 8 ? ', …' : ''}`);
    }
    for (const table of matches) selected.add(tableKey(table));
  }
  return selected;
}

export async function planLeakSuite(context: RuleContext, options: LeakSuiteOptions): Promise<LeakSuite> {
  const role = chooseAppRole(context.tenancy);
  const tables = selectTenantTables(context, options.tables);
  const parser = needsParser(context.catalog) ? await (await import('../migration/sql-parser.js')).loadSqlParser() : null;
  const plan = await planIsolation(context.catalog, context.tenancy, {
    role: role.role,
    nonce: options.nonce ?? randomBytes(8).toString('hex'),
    tables,
    parser,
  });
  return { files: await renderSuite(plan, options.outDir, options.source), plan, role };
}
