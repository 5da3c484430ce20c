/**
 * `tenantguard probe`: the isolation checks, run live by tenantguard in one
 * transaction that is always rolled back (session.ts). Order matters: the
 * "no context" reads come first, before anything in the session has set the
 * tenant setting (after set_config(…, true) it reads '' rather than NULL,
 * docs/postgres-rls.md#empty-context); then '' context; then org A's context
 * for the reads, the writes and TRUNCATE; the custom settings the policies
 * read come last, because setting one changes what it reads for the rest of
 * the session (reads.ts).
 */
import type { Queryable } from '../db/types.js';
import { TenantguardError } from '../errors.js';
import { planIsolationFor, type AppRoleChoice } from '../isolation/index.js';
import type { IsolationCase, IsolationPlan } from '../isolation/types.js';
import type { RuleContext } from '../rules/types.js';
import { quoteIdent, quoteLiteral } from '../sql/quote.js';
import { ProbeRun, type InconclusiveCheck, type ProbeLeak } from './findings.js';
import { bypassSettings, nothingVisible, ownRowsOnly, setContext } from './reads.js';
import { seedRows, type Seeded } from './seed.js';
import { assertCanSetRole, CHECK_SAVEPOINT, withProbeTransaction, type ProbeSession } from './session.js';
import { ROLLBACK_TO_CHECK, truncate, writes } from './writes.js';

export type { InconclusiveCheck, ProbeLeak } from './findings.js';

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
  /** Tenant tables the checks ran on. */
  tablesProbed: number;
  leaks: ProbeLeak[];
  /** Checks that could not conclude — tables not probed at all included — and why. */
  inconclusive: InconclusiveCheck[];
  /** What the reader should know that is no verdict (how rows were seeded, how writes were sent). */
  notes: string[];
}

/** Printed before every probe: what a rolled-back transaction still leaves behind. */
export const PROBE_SIDE_EFFECTS =
  'the probe inserts, updates and deletes rows inside a transaction that is always rolled back; BEFORE and AFTER row triggers on the tables ' +
  'still run (what they do inside the database is rolled back, anything outside it — dblink, foreign tables, external calls — is not) ' +
  'and sequences advance (nextval is never rolled back)';

/** What each setting the policies read reads before the probe touches any: null when never set in this session. */
async function pristineSettings(session: ProbeSession, plan: IsolationPlan): Promise<Map<string, string | null>> {
  const names = [...new Set([plan.setting, ...plan.cases.flatMap((c) => c.bypass.map((b) => b.setting))])];
  const reads = names.map((name) => `pg_catalog.current_setting(${quoteLiteral(name)}, true)`);
  const [row] = (await session.one('SAVEPOINT tenantguard_settings', `SELECT ${reads.join(', ')}`)).rows;
  return new Map(names.map((name, i) => [name, (row?.[i] ?? null) as string | null]));
}

/**
 * The cases the app role can reach at all: a privilege on the table or on one
 * of its columns. The others cannot leak to it, and prove nothing either.
 */
async function reachable(session: ProbeSession, role: string, cases: IsolationCase[]): Promise<Set<IsolationCase>> {
  if (cases.length === 0) return new Set();
  const who = quoteLiteral(role);
  const tests = cases.map((c) => {
    const table = quoteLiteral(c.target);
    return `pg_catalog.has_table_privilege(${who}, ${table}, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE') OR pg_catalog.has_any_column_privilege(${who}, ${table}, 'SELECT, INSERT, UPDATE')`;
  });
  const [row] = (await session.one('SAVEPOINT tenantguard_reach', `SELECT ARRAY[${tests.join(', ')}]::pg_catalog.text`)).rows;
  const reached = String(row?.[0] ?? '').replace(/[{}]/g, '').split(',');
  return new Set(cases.filter((_, i) => reached[i] === 't' || reached[i] === 'true'));
}

/** Why no table could be probed, as one line; the probe then fails rather than report a clean result. */
function nothingProbed(plan: IsolationPlan, seeded: Seeded, inconclusive: InconclusiveCheck[]): TenantguardError {
  const first = inconclusive[0];
  const reason = first ? `${first.table}: ${first.reason}${inconclusive.length > 1 ? ` (and ${inconclusive.length - 1} more)` : ''}` : 'no tenant table was selected';
  if (plan.cases.length > 0 && seeded.returned.size === 0) {
    return new TenantguardError(
      `the probe checked no tenant table: no row could be inserted (${reason})`,
      "connect as a role that can insert rows for every organization: a superuser, a BYPASSRLS role or the tables' owner",
    );
  }
  return new TenantguardError(`the probe checked no tenant table: ${reason}`, '`tenantguard scaffold tests --dry-run` lists every tenant table and why it cannot be seeded');
}

/**
 * The cases whose rows were seeded and whose table the app role can reach;
 * a table that could not be seeded is inconclusive, one the role cannot reach
 * is noted. Fails when none is left: a probe that checked nothing is no result.
 */
async function casesToProbe(
  session: ProbeSession,
  plan: IsolationPlan,
  seeded: Seeded,
  role: string,
  inconclusive: InconclusiveCheck[],
  notes: string[],
): Promise<IsolationCase[]> {
  const orgsSeeded = seeded.orgId('A') !== null && seeded.orgId('B') !== null;
  const seededCases: IsolationCase[] = [];
  for (const c of plan.cases) {
    const failed = c.seed.find((id) => !seeded.returned.has(id));
    if (failed) inconclusive.push({ table: c.table, reason: `not probed, its row ${failed} could not be inserted (${seeded.failed.get(failed) ?? 'unknown'})` });
    else if (orgsSeeded) seededCases.push(c);
  }
  if (seededCases.length === 0) throw nothingProbed(plan, seeded, inconclusive);
  const reached = await reachable(session, role, seededCases);
  if (reached.size === 0) {
    throw new TenantguardError(
      `the probe checked no tenant table: ${role} holds no privilege on any of the ${seededCases.length} it could seed`,
      'pass the role the application connects as with --app-role, or set "appRole" in tenantguard.config.json',
    );
  }
  const unreached = seededCases.filter((c) => !reached.has(c));
  if (unreached.length > 0) notes.push(`not probed, ${role} holds no privilege on them: ${unreached.map((c) => c.table).join(', ')}`);
  return seededCases.filter((c) => reached.has(c));
}

export async function probeDatabase(client: Queryable, context: RuleContext, options: ProbeOptions): Promise<ProbeReport> {
  const { plan, role } = await planIsolationFor(context, { tables: options.tables, nonce: options.nonce });
  const inconclusive: InconclusiveCheck[] = plan.todo.map((t) => ({ table: t.table, reason: `not probed, ${t.todo}` }));
  const notes: string[] = [];
  const progress = options.onProgress ?? (() => {});

  return withProbeTransaction(client, options, async (session) => {
    const pristine = await pristineSettings(session, plan);
    await assertCanSetRole(session, role.role);
    progress(`seeding ${plan.rows.length} rows`);
    const seeded = await seedRows(session, plan);
    const ready = await casesToProbe(session, plan, seeded, role.role, inconclusive, notes);
    const run = new ProbeRun(session, plan, seeded, role.role);
    run.notes.push(...notes);
    await session.control(`SET LOCAL ROLE ${quoteIdent(role.role)}`);
    // Seeding under a context leaves the last org set: back to '' (the setting cannot be unset again in this session).
    await setContext(run, seeded.contextUsed ? '' : null);
    if (seeded.contextUsed) run.notes.push(`rows were seeded under ${plan.setting}, so "no context" reads as '' rather than unset`);
    progress(`reading ${ready.length} tables without a tenant context`);
    await nothingVisible(run, ready, 'select-without-context');
    await setContext(run, '');
    await nothingVisible(run, ready, 'select-empty-context');
    await setContext(run, run.orgId('A'));
    progress(`reading ${ready.length} tables as org A`);
    await ownRowsOnly(run, ready);
    await session.control(`SAVEPOINT ${CHECK_SAVEPOINT}`);
    await writes(run, ready, (done) => progress(`writing: ${done}/${ready.length} tables`));
    await truncate(run, ready);
    await bypassSettings(run, ready, ROLLBACK_TO_CHECK, pristine);
    return { role, tablesProbed: ready.length, leaks: run.leaks, inconclusive: [...inconclusive, ...run.inconclusive], notes: run.notes };
  });
}
