/**
 * Verified output: before a migration is written, it is applied to a copy of
 * the audited schema — inside a transaction that is always rolled back, on
 * the live database (--db) or on the embedded engine loaded from the same
 * migrations — and the copy is audited again. Only findings that really
 * disappeared are claimed; claimed ones still there are reported. The same
 * transaction checks that the tenant can still do what it could before: a
 * seeded row of the current tenant stays readable and writable as the app
 * role (access.ts).
 */
import type { Catalog } from '../../catalog/types.js';
import type { Finding } from '../../check/types.js';
import type { Config } from '../../config/types.js';
import { beginTransactionSql, PINNED_SEARCH_PATH, type Connection } from '../../db/transaction.js';
import type { RuleContext } from '../../rules/types.js';
import { tenantAccess, appRoleSearchPath, type TableAccess } from './verify-access.js';
import type { MigrationPlan } from './types.js';

export interface VerifyInput {
  connection: Connection;
  /** The statements the file runs (no BEGIN/COMMIT: the verification brings its own transaction). */
  statements: readonly string[];
  plan: MigrationPlan;
  /** The audit the plan was made from (its settings: the chosen app role, tenant column and setting). */
  before: { catalog: Catalog; config: Config; context: RuleContext; findings: readonly Finding[] };
}

export interface Verification {
  /** Claimed findings the re-audit no longer reports. */
  fixed: Finding[];
  /** Claimed findings the re-audit still reports. */
  notFixed: Finding[];
  /** Errors and warnings the re-audit reports that the audit did not. */
  introduced: Finding[];
  /** What the tenant could do before and cannot after, one line per table and operation. */
  regressions: string[];
  /** Tables whose access could not be compared, and why. */
  inconclusive: string[];
}

/** Thrown when the migration itself fails on the copy: nothing is written. */
export class MigrationFailsOnCopy extends Error {}

export async function verifyMigration(input: VerifyInput): Promise<Verification> {
  const { connection, statements, plan, before } = input;
  const { client } = connection;
  await client.query(beginTransactionSql('read write', connection.limits));
  try {
    const searchPath = await appRoleSearchPath(client, plan.appRole);
    const borrowed = plan.steps.some((s) => s.kind === 'tenant-policy' && s.predicate.borrowed !== null);
    const access = (context: RuleContext) =>
      borrowed ? null : tenantAccess(client, context, plan.appRole, searchPath);
    const accessBefore = await access(before.context);

    await client.query('SAVEPOINT tenantguard_migration');
    try {
      // The migration runs as the project's runner runs it: with the connection's own search_path (its
      // policy expressions may name the app's helpers unqualified); everything after is pinned again.
      await client.query(`SELECT pg_catalog.set_config('search_path', (SELECT reset_val FROM pg_catalog.pg_settings WHERE name OPERATOR(pg_catalog.=) 'search_path'), true)`);
      if (statements.length > 0) await client.query(statements.join('\n\n'));
      await client.query(`SET LOCAL search_path = ${PINNED_SEARCH_PATH}`);
    } catch (error) {
      throw new MigrationFailsOnCopy((error as Error).message);
    }

    const [{ introspect }, { buildRuleContext }, { runRules }, { rules }] = await Promise.all([
      import('../../catalog/introspect.js'),
      import('../../check/context.js'),
      import('../../check/run-rules.js'),
      import('../../rules/index.js'),
    ]);
    const catalog = await introspect(client, { schemas: before.config.schemas });
    const context = await buildRuleContext(catalog, before.config);
    const after = runRules(context, rules, before.config);
    const remaining = new Set(after.map((f) => f.fingerprint));
    const known = new Set(before.findings.map((f) => f.fingerprint));
    const accessAfter = await access(context);
    const compared = compareAccess(accessBefore, accessAfter);
    return {
      fixed: plan.findings.filter((f) => !remaining.has(f.fingerprint)),
      notFixed: plan.findings.filter((f) => remaining.has(f.fingerprint)),
      introduced: after.filter((f) => !known.has(f.fingerprint) && f.severity !== 'info'),
      regressions: compared.regressions,
      inconclusive: borrowed
        ? ["the tenant comes from the app's own predicate (not a setting this check can set): own-row access was not compared"]
        : compared.inconclusive,
    };
  } finally {
    await client.query('ROLLBACK').catch(() => {});
  }
}

function compareAccess(before: Map<string, TableAccess> | null, after: Map<string, TableAccess> | null): { regressions: string[]; inconclusive: string[] } {
  const regressions: string[] = [];
  const inconclusive: string[] = [];
  if (before === null || after === null) return { regressions, inconclusive };
  for (const [table, was] of before) {
    const now = after.get(table);
    if (!now) {
      if (was.read || was.write) inconclusive.push(`${table}: its rows could not be seeded after the migration`);
      continue;
    }
    if (was.read && !now.read) regressions.push(`${table}: the tenant's own row is no longer readable (${now.readError ?? 'not returned'})`);
    if (was.write && !now.write) regressions.push(`${table}: the tenant's own row is no longer writable (${now.writeError ?? 'no row updated'})`);
  }
  for (const [table, why] of [...before.entries(), ...after.entries()].filter(([, a]) => a.unseedable !== null)) {
    const line = `${table}: ${why.unseedable}`;
    if (!inconclusive.includes(line)) inconclusive.push(line);
  }
  return { regressions, inconclusive };
}
