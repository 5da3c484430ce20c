/**
 * `tenantguard probe`: the leak suite's checks, run live by tenantguard in
 * one transaction that is always rolled back (session.ts). Order matters:
 * the "no context" reads come first, before anything in the session has set
 * the tenant setting (after set_config(…, true) it reads '' rather than NULL,
 * docs/postgres-rls.md#empty-context); then '' context; then org A's context for the reads,
 * the bypass settings, the writes and TRUNCATE.
 */
import type { Queryable } from '../db/types.js';
import { planIsolationFor, type AppRoleChoice } from '../isolation/index.js';
import type { RuleContext } from '../rules/types.js';
import { CaseChecks, type ProbeLeak } from './checks.js';
import { seedRows } from './seed.js';
import { assertCanSetRole, withProbeTransaction } from './session.js';

export interface ProbeOptions {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  /** Aborting rolls the transaction back at the next statement boundary (SIGINT). */
  signal?: AbortSignal;
  /** `--table` entries; default: every tenant table. */
  tables?: readonly string[];
  /** Fixed in tests; random otherwise, so seeded values never meet existing rows. */
  nonce?: string;
  onProgress?: (message: string) => void;
}

export interface ProbeReport {
  role: AppRoleChoice;
  /** Tenant tables every check ran on. */
  tablesProbed: number;
  leaks: ProbeLeak[];
  /** Tables or checks that could not conclude, and why. */
  notes: string[];
}

/** Printed before every probe: what a rolled-back transaction still leaves behind. */
export const PROBE_SIDE_EFFECTS =
  'the probe inserts, updates and deletes rows inside a transaction that is always rolled back; BEFORE triggers on the tables ' +
  'still run (what they do inside the database is rolled back, anything outside it — dblink, foreign tables, external calls — is not) ' +
  'and sequences advance (nextval is never rolled back)';

export async function probeDatabase(client: Queryable, context: RuleContext, options: ProbeOptions): Promise<ProbeReport> {
  const { plan, role } = await planIsolationFor(context, { tables: options.tables, nonce: options.nonce });
  const notes = plan.todo.map((t) => `${t.table}: not probed, ${t.todo}`);
  const progress = options.onProgress ?? (() => {});

  return withProbeTransaction(client, options, async (session) => {
    await assertCanSetRole(session, role.role);
    progress(`seeding ${plan.rows.length} rows`);
    const seeded = await seedRows(session, plan);
    const ready = plan.cases.filter((c) => {
      const failed = c.seed.find((id) => !seeded.returned.has(id));
      if (failed) notes.push(`${c.table}: not probed, its row ${failed} could not be inserted (${seeded.failed.get(failed) ?? 'unknown'})`);
      return !failed;
    });
    const orgA = seeded.orgId('A');
    if (orgA === null || seeded.orgId('B') === null) return { role, tablesProbed: 0, leaks: [], notes };

    const checks = new CaseChecks(session, plan, seeded, role.role);
    await checks.becomeApp();
    // Seeding under a context leaves the last org set: back to '' (the setting cannot be unset again in this session).
    await checks.setContext(seeded.contextUsed ? '' : null);
    if (seeded.contextUsed) notes.push(`rows were seeded under ${plan.setting}, so "no context" reads as '' rather than unset`);
    progress(`reading ${ready.length} tables without a tenant context`);
    await checks.nothingVisible(ready, 'select-without-context');
    await checks.setContext('');
    await checks.nothingVisible(ready, 'select-empty-context');
    await checks.setContext(orgA);
    progress(`reading ${ready.length} tables as org A`);
    await checks.ownRowsOnly(ready, orgA);
    await checks.startWrites();
    for (const c of ready) await checks.bypassSettings(c, orgA);
    await checks.writesBatched(ready, orgA, (done) => progress(`writing: ${done}/${ready.length} tables`));
    await checks.truncate(ready);
    return { role, tablesProbed: ready.length, leaks: checks.leaks, notes: [...notes, ...checks.notes] };
  });
}
