/**
 * The probe's write checks, as the app role with org A's context. Each write
 * touches at most one row, a seeded one — by (tableoid, ctid), or `WHERE
 * CURRENT OF` a cursor the connected role positioned on it — so what the
 * probe writes does not grow with the table. Every write is undone right
 * after it ran: inside a DO block each runs in its own subtransaction that
 * ends by raising (write-block.ts); without plpgsql, one round trip per write
 * after ROLLBACK TO the check savepoint. TRUNCATE is asked with
 * has_table_privilege rather than run: it would take an ACCESS EXCLUSIVE lock
 * on a live table, and row level security does not apply to it anyway.
 */
import type { IsolationCase } from '../isolation/types.js';
import {
  contextText,
  errorText,
  judgeTruncate,
  judgeWrite,
  sqlState,
  TRUNCATE_CONTEXT,
  writeChecks,
  writeOutcomeOfError,
  type WriteCheck,
  type WriteOutcome,
} from '../isolation/verdicts.js';
import { quoteIdent, quoteLiteral } from '../sql/quote.js';
import { ProbeRun } from './findings.js';
import { CHECK_SAVEPOINT } from './session.js';
import { parseWriteResults, RESULTS_SETTING, writeBlock } from './write-block.js';

type ProbeWrite = WriteCheck<string> & { c: IsolationCase };

const WRITE_CHUNK = 50;
export const ROLLBACK_TO_CHECK = `ROLLBACK TO SAVEPOINT ${CHECK_SAVEPOINT}`;

function checksOf(run: ProbeRun, c: IsolationCase): ProbeWrite[] {
  const cursor = (which: 'own' | 'other') => ({ ...c.cursors[which], declare: run.sql(c.cursors[which].declare) });
  const statements = {
    updateOther: run.sql(c.updateOther),
    deleteOther: run.sql(c.deleteOther),
    insertOther: run.sql(c.insertOther),
    moveOwn: run.sql(c.moveOwn),
    updateOtherAtCursor: run.sql(c.updateOtherAtCursor),
    deleteOtherAtCursor: run.sql(c.deleteOtherAtCursor),
    moveOwnAtCursor: run.sql(c.moveOwnAtCursor),
    cursors: { own: cursor('own'), other: cursor('other') },
    countOther: run.sql(c.countOther),
  };
  return writeChecks(statements, run.rowTexts(c)).map((write) => ({ ...write, c }));
}

/**
 * Declares and positions the cursors of `writes` as the connected role — under
 * the row's organization's context, which a table owner under FORCE needs to
 * see it — then becomes the app role with org A's context again.
 */
function positionCursors(run: ProbeRun, writes: readonly ProbeWrite[]): string[] {
  const cursors = new Map(writes.filter((w) => w.cursor !== null).map((w) => [w.cursor!.name, w] as const));
  if (cursors.size === 0) return [];
  const statements = ['RESET ROLE'];
  for (const org of ['B', 'A'] as const) {
    const mine = [...cursors.values()].filter((w) => w.cursorOrg === org);
    if (mine.length === 0) continue;
    statements.push(ProbeRun.setConfig(run.plan.setting, run.orgId(org)));
    for (const w of mine) statements.push(w.cursor!.declare, w.cursor!.move);
  }
  statements.push(ProbeRun.setConfig(run.plan.setting, run.orgId('A')), `SET LOCAL ROLE ${quoteIdent(run.role)}`);
  return statements;
}

function judge(run: ProbeRun, write: ProbeWrite, outcome: WriteOutcome): void {
  // The variant through a cursor is reported only when the statement with WHERE was not.
  if (run.hasLeak(write.c, write.check)) return;
  const context = contextText(run.plan.setting, run.orgId('A'));
  run.record(write.c, write.check, write.key, judgeWrite(write, outcome), context, write.statement);
}

/** One write in its own round trip, after ROLLBACK TO the check savepoint; touched rows are confirmed as the connected role. */
async function attempt(run: ProbeRun, write: ProbeWrite): Promise<WriteOutcome> {
  try {
    const results = await run.session.batch(ROLLBACK_TO_CHECK, [...positionCursors(run, [write]), write.statement]);
    const rows = results.at(-1)!.rowCount;
    if (rows === 0 || write.confirm === null) return { rows, landed: null };
    const confirmed = await run.session.batch('SAVEPOINT tenantguard_confirm', [
      'RESET ROLE',
      ProbeRun.setConfig(run.plan.setting, run.orgId('B')),
      write.confirm,
    ]);
    return { rows, landed: Number(confirmed[2]!.rows[0]![0]) };
  } catch (error) {
    return writeOutcomeOfError(sqlState(error), error instanceof Error ? error.message : String(error));
  }
}

/** The write checks of many tables per round trip; per statement when the DO block cannot run. */
export async function writes(run: ProbeRun, cases: IsolationCase[], onChunk: (done: number) => void = () => {}): Promise<void> {
  for (let start = 0; start < cases.length; start += WRITE_CHUNK) {
    const chunk = cases.slice(start, start + WRITE_CHUNK);
    const checks = chunk.flatMap((c) => checksOf(run, c));
    let outcomes: WriteOutcome[] | null = null;
    // A failed block leaves the transaction aborted: ROLLBACK TO recovers it before the fallback.
    try {
      const block = writeBlock(checks.map((w) => ({ sql: w.statement, confirm: w.confirm })), run.plan.setting, run.orgId('B'));
      const results = await run.session.batch(ROLLBACK_TO_CHECK, [
        ...positionCursors(run, checks),
        block,
        `SELECT pg_catalog.current_setting(${quoteLiteral(RESULTS_SETTING)})`,
      ]);
      outcomes = parseWriteResults(String(results.at(-1)!.rows[0]![0]));
    } catch (error) {
      await run.session.control(ROLLBACK_TO_CHECK);
      if (!run.notes.some((n) => n.startsWith('writes ran one statement'))) {
        run.notes.push(`writes ran one statement at a time: the DO block that batches them failed (${errorText(error)})`);
      }
    }
    if (outcomes && outcomes.length === checks.length) checks.forEach((write, i) => judge(run, write, outcomes[i]!));
    else for (const write of checks) judge(run, write, await attempt(run, write));
    onChunk(start + chunk.length);
  }
}

/** TRUNCATE ignores row level security: the privilege alone decides (docs/postgres-rls.md#truncate). */
export async function truncate(run: ProbeRun, cases: IsolationCase[]): Promise<void> {
  if (cases.length === 0) return;
  const role = quoteLiteral(run.role);
  const columns = cases.map((c) => `pg_catalog.has_table_privilege(${role}, ${quoteLiteral(c.target)}, 'TRUNCATE')`);
  const [row] = (await run.session.one(ROLLBACK_TO_CHECK, `SELECT ARRAY[${columns.join(', ')}]::pg_catalog.text`)).rows;
  const granted = String(row?.[0] ?? '').replace(/[{}]/g, '').split(',');
  cases.forEach((c, i) => {
    const verdict = judgeTruncate(granted[i] === 't' || granted[i] === 'true', run.rowTexts(c));
    run.record(c, 'truncate', 'truncate', verdict, TRUNCATE_CONTEXT, c.truncate);
  });
}
