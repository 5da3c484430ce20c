/**
 * The isolation stage: from an audited schema to the plan the probe runs live
 * and `scaffold tests` writes into a vitest suite — the app role to act as,
 * the tenant tables to cover, the rows to seed and the statements of every
 * check. Both consumers start here, so they hold a schema to the same checks.
 */
import { randomBytes } from 'node:crypto';
import { tableKey } from '../catalog/types.js';
import { UsageError } from '../errors.js';
import type { RuleContext } from '../rules/types.js';
import { displayName } from '../sql/quote.js';
import { namesTable } from '../tenancy/build.js';
import { chooseAppRole, type AppRoleChoice } from './app-role.js';
import { needsParser, planIsolation } from './plan.js';
import type { IsolationPlan } from './types.js';

export type { AppRoleChoice } from './app-role.js';

export interface IsolationRequest {
  /** `--table` entries (`name` or `schema.name`); default: every tenant table. */
  tables?: readonly string[];
  /** Fixed in tests; random otherwise, so seeded values never meet existing rows. */
  nonce?: string;
}

export interface PlannedIsolation {
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

/** Chooses the app role, selects the tables and plans their rows and checks (the parser is loaded only for CHECK constraints). */
export async function planIsolationFor(context: RuleContext, request: IsolationRequest): Promise<PlannedIsolation> {
  const role = chooseAppRole(context.tenancy);
  const tables = selectTenantTables(context, request.tables);
  const parser = needsParser(context.catalog) ? await (await import('../sql/parser.js')).loadParser() : null;
  const plan = await planIsolation(context.catalog, context.tenancy, {
    role: role.role,
    nonce: request.nonce ?? randomBytes(8).toString('hex'),
    tables,
    parser,
  });
  return { plan, role };
}
