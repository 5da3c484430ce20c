/**
 * The probe's read checks, as the app role: every table's read is sent in
 * batches under one context at a time — none, '', org A's — and, last, under
 * org A's context with each custom setting the policies read switched on.
 *
 * Settings are the reason for the order. A session that never set a custom
 * setting reads it as NULL; once anything set it, even in a transaction or
 * savepoint that was rolled back, it reads '' for the rest of the session
 * (docs/postgres-rls.md#empty-context), and `''::boolean` raises 22P02. So
 * every check that needs a setting untouched runs before any check sets it,
 * and each check rolls back to a savepoint taken when every setting still had
 * its pristine value; a check whose setting could not be given back its
 * pristine value and that then fails says so, and is inconclusive.
 */
import type { IsolationCase } from '../isolation/types.js';
import {
  contextText,
  errorText,
  judgeBypass,
  judgeNothingVisible,
  judgeOwnRowsOnly,
  sqlState,
  type ReadOutcome,
} from '../isolation/verdicts.js';
import { quoteLiteral } from '../sql/quote.js';
import { ProbeRun } from './findings.js';

const READ_CHUNK = 200;
// Reads run after ROLLBACK TO a savepoint taken once the phase's role and context are set:
// a read changes nothing, and one savepoint per phase keeps the transaction shallow.
const PHASE_SAVEPOINT = 'tenantguard_phase';
const READ_GUARD = `ROLLBACK TO SAVEPOINT ${PHASE_SAVEPOINT}`;

type Judge = (c: IsolationCase, outcome: ReadOutcome, sql: string) => void;

/** Sets the tenant context as the app does (none: leave it as it is), then the savepoint the phase's reads roll back to. */
export async function setContext(run: ProbeRun, value: string | null): Promise<void> {
  if (value !== null) await run.session.control(ProbeRun.setConfig(run.plan.setting, value));
  await run.session.control(`SAVEPOINT ${PHASE_SAVEPOINT}`);
}

/** Which seeded rows of `c` the rows of a read are. */
function seen(run: ProbeRun, c: IsolationCase, rows: unknown[][]): ReadOutcome {
  const identities = new Set(rows.map((r) => `${r[0]}/${r[1]}`));
  return { own: identities.has(run.identity(c.own)), other: identities.has(run.identity(c.other)) };
}

/**
 * Runs every case's read after `prelude` (a rollback to the phase's savepoint,
 * and what the phase sets), batched; a batch with a failing read is replayed
 * one read at a time.
 */
async function reads(run: ProbeRun, cases: IsolationCase[], prelude: readonly string[], judge: Judge): Promise<void> {
  const [guard, ...setup] = prelude;
  for (let start = 0; start < cases.length; start += READ_CHUNK) {
    const chunk = cases.slice(start, start + READ_CHUNK);
    const statements = chunk.map((c) => run.sql(c.read));
    let results: unknown[][][] | null = null;
    try {
      results = (await run.session.batch(guard!, [...setup, ...statements])).slice(setup.length).map((r) => r.rows);
    } catch {
      // A read that fails (no SELECT privilege, a cast failing closed) stops the batch: one by one instead.
      await run.session.control(guard!);
    }
    for (const [i, c] of chunk.entries()) {
      let outcome: ReadOutcome;
      try {
        outcome = seen(run, c, results?.[i] ?? (await run.session.batch(guard!, [...setup, statements[i]!])).at(-1)!.rows);
      } catch (error) {
        await run.session.control(guard!);
        outcome = { state: sqlState(error), error: errorText(error) };
      }
      judge(c, outcome, statements[i]!);
    }
  }
}

/** What current_setting(setting, true) reads now, for the evidence. */
async function contextState(run: ProbeRun): Promise<string> {
  const [row] = (await run.session.one(READ_GUARD, `SELECT pg_catalog.current_setting(${quoteLiteral(run.plan.setting)}, true)`)).rows;
  return contextText(run.plan.setting, row?.[0] as string | null);
}

/** Reads with no context or '' context: nothing may be visible. */
export async function nothingVisible(run: ProbeRun, cases: IsolationCase[], check: 'select-without-context' | 'select-empty-context'): Promise<void> {
  const context = await contextState(run);
  await reads(run, cases, [READ_GUARD], (c, outcome, sql) => run.record(c, check, check, judgeNothingVisible(outcome, run.rowTexts(c)), context, sql));
}

/** Reads with org A's context: org A's row, not org B's. */
export async function ownRowsOnly(run: ProbeRun, cases: IsolationCase[]): Promise<void> {
  const context = contextText(run.plan.setting, run.orgId('A'));
  await reads(run, cases, [READ_GUARD], (c, outcome, sql) => run.record(c, 'select', 'select', judgeOwnRowsOnly(outcome, run.rowTexts(c), context), context, sql));
}

/**
 * Any role can SET a custom setting the policies read
 * (docs/postgres-rls.md#custom-settings): with org A's context and each
 * setting at each value, org B's row must stay hidden. `guard` rolls back to
 * the savepoint taken while every setting was pristine; `pristine` holds what
 * each setting read then (null: never set in this session).
 */
export async function bypassSettings(run: ProbeRun, cases: IsolationCase[], guard: string, pristine: ReadonlyMap<string, string | null>): Promise<void> {
  const settings = [...new Set(cases.flatMap((c) => c.bypass.map((b) => b.setting)))].sort();
  /** Settings this run has set that read NULL before: they read '' now, whatever is rolled back. */
  const unrestorable = new Set<string>();
  for (const setting of settings) {
    const reading = cases.filter((c) => c.bypass.some((b) => b.setting === setting));
    const valuesOf = (c: IsolationCase) => c.bypass.find((b) => b.setting === setting)!.values;
    const open = new Set(reading);
    for (const value of [...new Set(reading.flatMap(valuesOf))]) {
      const now = reading.filter((c) => open.has(c) && valuesOf(c).includes(value));
      const context = `${contextText(run.plan.setting, run.orgId('A'))} and ${contextText(setting, value)} (any role can set it)`;
      await reads(run, now, [guard, ProbeRun.setConfig(setting, value)], (c, outcome, sql) => {
        const unrestored = c.bypass.map((b) => b.setting).filter((s) => s !== setting && unrestorable.has(s));
        const verdict = judgeBypass(outcome, run.rowTexts(c), setting, unrestored);
        run.record(c, 'select-bypass-setting', `select-bypass-setting:${setting}`, verdict, context, sql);
        // One verdict per table and setting: its first leak, or its first inconclusive value.
        if (verdict.kind !== 'pass') open.delete(c);
      });
    }
    if ((pristine.get(setting) ?? null) === null) unrestorable.add(setting);
  }
}
