/**
 * The isolation checks, run live as the app role inside the probe's
 * transaction; what each answer means is decided in isolation/verdicts.ts,
 * which the generated suite shares. Reads are batched across tables, writes
 * of many tables go in one DO block (write-block.ts), and TRUNCATE is asked
 * with has_table_privilege rather than run (it would take an ACCESS
 * EXCLUSIVE lock on a live table).
 */
import { withLiterals } from '../isolation/statements.js';
import type { IsolationCase, IsolationPlan } from '../isolation/types.js';
import {
  contextText,
  errorText,
  judgeBypass,
  judgeNothingVisible,
  judgeOwnRowsOnly,
  judgeTruncate,
  judgeWrite,
  sqlState,
  TRUNCATE_CONTEXT,
  writeChecks,
  writeOutcomeOfError,
  type CheckName,
  type ReadOutcome,
  type RowTexts,
  type Verdict,
  type WriteCheck,
  type WriteOutcome,
} from '../isolation/verdicts.js';
import { quoteIdent, quoteLiteral } from '../sql/quote.js';
import type { Seeded } from './seed.js';
import { CHECK_SAVEPOINT, type ProbeSession } from './session.js';
import { parseWriteResults, RESULTS_SETTING, writeBlock } from './write-block.js';

export interface ProbeLeak {
  case: IsolationCase;
  check: CheckName;
  kind: 'read' | 'write';
  /** The tenant context the statement ran under, as the app sets it. */
  context: string;
  /** The statement that leaked, with its values inlined. */
  statement: string;
  /** What happened, as a verb phrase: `returned org B's row {…}`. */
  leaked: string;
  /** Extra evidence (the constraint that stopped a write the policies let through). */
  detail: string | null;
  /** Distinguishes problems of one table and rule (stable across runs: no ids). */
  key: string;
}

type ProbeWrite = WriteCheck<string> & { c: IsolationCase };

const READ_CHUNK = 200;
const WRITE_CHUNK = 50;
// Reads run after ROLLBACK TO a savepoint taken once the phase's role and context are set:
// a read changes nothing, and one savepoint per phase keeps the transaction shallow.
const PHASE_SAVEPOINT = 'tenantguard_phase';
const READ_GUARD = `ROLLBACK TO SAVEPOINT ${PHASE_SAVEPOINT}`;
const ROLLBACK_TO_CHECK = `ROLLBACK TO SAVEPOINT ${CHECK_SAVEPOINT}`;

export class CaseChecks {
  readonly leaks: ProbeLeak[] = [];
  readonly notes: string[] = [];

  constructor(
    private readonly session: ProbeSession,
    private readonly plan: IsolationPlan,
    private readonly seeded: Seeded,
    private readonly role: string,
  ) {}

  private sql(parts: IsolationCase['read']): string {
    return withLiterals(parts, this.seeded.resolve);
  }

  private rowTexts(c: IsolationCase): RowTexts {
    const text = (id: string) => this.seeded.returned.get(id)?.[2] ?? id;
    return { own: text(c.own), other: text(c.other) };
  }

  private identity(id: string): string {
    const returned = this.seeded.returned.get(id)!;
    return `${returned[0]}/${returned[1]}`;
  }

  /** Records a verdict: a leak, or a note saying what could not be told. */
  private record(c: IsolationCase, check: CheckName, key: string, verdict: Verdict, context: string, statement: string): void {
    if (verdict.kind === 'unknown') this.notes.push(`${c.table}: ${verdict.reason}`);
    if (verdict.kind !== 'leak') return;
    const kind = check.startsWith('select') ? 'read' : 'write';
    this.leaks.push({ case: c, check, kind, context, statement, leaked: verdict.leaked, detail: verdict.detail, key });
  }

  async becomeApp(): Promise<void> {
    await this.session.control(`SET LOCAL ROLE ${quoteIdent(this.role)}`);
  }

  /** Sets the tenant context as the app does, then the savepoint the phase's reads roll back to. */
  async setContext(value: string | null): Promise<void> {
    if (value !== null) await this.session.control(`SELECT set_config(${quoteLiteral(this.plan.setting)}, ${quoteLiteral(value)}, true)`);
    await this.session.control(`SAVEPOINT ${PHASE_SAVEPOINT}`);
  }

  /** The savepoint every write check rolls back to first. */
  async startWrites(): Promise<void> {
    await this.session.control(`SAVEPOINT ${CHECK_SAVEPOINT}`);
  }

  /** What current_setting(setting, true) reads now, for the evidence. */
  async contextState(): Promise<string> {
    const [row] = (await this.session.one(READ_GUARD, `SELECT current_setting(${quoteLiteral(this.plan.setting)}, true)`)).rows;
    return contextText(this.plan.setting, row?.[0] as string | null);
  }

  /** Which seeded rows of `c` the rows of a read are. */
  private seen(c: IsolationCase, rows: unknown[][]): ReadOutcome {
    const seen = new Set(rows.map((r) => `${r[0]}/${r[1]}`));
    return { own: seen.has(this.identity(c.own)), other: seen.has(this.identity(c.other)) };
  }

  /** Runs every case's read under the current context, batched; a batch with a failing read is replayed one read at a time. */
  async reads(cases: IsolationCase[], judge: (c: IsolationCase, outcome: ReadOutcome, sql: string) => void) {
    for (let start = 0; start < cases.length; start += READ_CHUNK) {
      const chunk = cases.slice(start, start + READ_CHUNK);
      const statements = chunk.map((c) => this.sql(c.read));
      let results: unknown[][][] | null = null;
      try {
        results = (await this.session.batch(READ_GUARD, statements)).map((r) => r.rows);
      } catch {
        // A read that fails (no SELECT privilege, a cast failing closed) stops the batch: one by one instead.
        await this.session.control(READ_GUARD);
      }
      for (const [i, c] of chunk.entries()) {
        let outcome: ReadOutcome;
        try {
          outcome = this.seen(c, results?.[i] ?? (await this.session.one(READ_GUARD, statements[i]!)).rows);
        } catch (error) {
          await this.session.control(READ_GUARD);
          outcome = { state: sqlState(error), error: errorText(error) };
        }
        judge(c, outcome, statements[i]!);
      }
    }
  }

  /** Reads with no context or '' context: nothing may be visible. */
  async nothingVisible(cases: IsolationCase[], check: 'select-without-context' | 'select-empty-context'): Promise<void> {
    const context = await this.contextState();
    await this.reads(cases, (c, outcome, sql) => this.record(c, check, check, judgeNothingVisible(outcome, this.rowTexts(c)), context, sql));
  }

  /** Reads with org A's context: org A's row, not org B's. */
  async ownRowsOnly(cases: IsolationCase[], orgA: string): Promise<void> {
    const context = contextText(this.plan.setting, orgA);
    await this.reads(cases, (c, outcome, sql) => this.record(c, 'select', 'select', judgeOwnRowsOnly(outcome, this.rowTexts(c), context), context, sql));
  }

  /** Any role can SET a custom setting the policies read. Runs after SAVEPOINT tenantguard_check. */
  async bypassSettings(c: IsolationCase, orgA: string): Promise<void> {
    const read = this.sql(c.read);
    for (const bypass of c.bypass) {
      for (const value of bypass.values) {
        let outcome: ReadOutcome;
        try {
          const [, { rows }] = (await this.session.batch(ROLLBACK_TO_CHECK, [
            `SELECT set_config(${quoteLiteral(bypass.setting)}, ${quoteLiteral(value)}, true)`,
            read,
          ])) as [unknown, { rows: unknown[][] }];
          outcome = this.seen(c, rows);
        } catch (error) {
          outcome = { state: sqlState(error), error: errorText(error) };
        }
        const verdict = judgeBypass(outcome, this.rowTexts(c), bypass.setting);
        const context = `${contextText(this.plan.setting, orgA)} and ${contextText(bypass.setting, value)} (any role can set it)`;
        this.record(c, 'select-bypass-setting', `select-bypass-setting:${bypass.setting}`, verdict, context, read);
        if (verdict.kind === 'leak') break;
      }
    }
  }

  /** One write, rolled back to the check savepoint first. */
  private async attempt(write: ProbeWrite): Promise<WriteOutcome> {
    try {
      const rows = (await this.session.one(ROLLBACK_TO_CHECK, write.statement)).rowCount;
      return { rows, landed: rows > 0 && write.confirm ? await this.confirmAsConnectedRole(write.confirm) : null };
    } catch (error) {
      return writeOutcomeOfError(sqlState(error), error instanceof Error ? error.message : String(error));
    }
  }

  /** A confirming count as the connected role (under org B's context, for an owner under FORCE), inside the check's savepoint. */
  private async confirmAsConnectedRole(count: string): Promise<number> {
    const orgB = this.seeded.orgId('B')!;
    const results = await this.session.batch('SAVEPOINT tenantguard_confirm', [
      'RESET ROLE',
      `SELECT set_config(${quoteLiteral(this.plan.setting)}, ${quoteLiteral(orgB)}, true)`,
      count,
    ]);
    return Number(results[2]!.rows[0]![0]);
  }

  private writeChecks(c: IsolationCase): ProbeWrite[] {
    const statements = {
      updateOther: this.sql(c.updateOther),
      deleteOther: this.sql(c.deleteOther),
      insertOther: this.sql(c.insertOther),
      moveOwn: this.sql(c.moveOwn),
      updateAll: this.sql(c.updateAll),
      moveAll: this.sql(c.moveAll),
      otherIntact: this.sql(c.otherIntact),
      countOther: this.sql(c.countOther),
    };
    return writeChecks(statements, this.rowTexts(c)).map((write) => ({ ...write, c }));
  }

  private judgeWrite(write: ProbeWrite, outcome: WriteOutcome, context: string): void {
    // The variant without WHERE is reported only when the targeted statement was not.
    if (this.leaks.some((l) => l.case === write.c && l.check === write.check)) return;
    this.record(write.c, write.check, write.key, judgeWrite(write, outcome), context, write.statement);
  }

  /** The write checks, one round trip each. */
  async writes(c: IsolationCase, orgA: string): Promise<void> {
    const context = contextText(this.plan.setting, orgA);
    for (const write of this.writeChecks(c)) this.judgeWrite(write, await this.attempt(write), context);
  }

  /** The write checks of many tables per round trip (write-block.ts); per statement when the block cannot run. */
  async writesBatched(cases: IsolationCase[], orgA: string, onChunk: (done: number) => void = () => {}): Promise<void> {
    const context = contextText(this.plan.setting, orgA);
    for (let start = 0; start < cases.length; start += WRITE_CHUNK) {
      const chunk = cases.slice(start, start + WRITE_CHUNK);
      const writes = chunk.flatMap((c) => this.writeChecks(c));
      let outcomes: WriteOutcome[] | null = null;
      // A failed block leaves the transaction aborted: ROLLBACK TO recovers it before the fallback.
      try {
        const block = writeBlock(writes.map((w) => ({ sql: w.statement, confirm: w.confirm })), this.plan.setting, this.seeded.orgId('B')!);
        const [, read] = await this.session.batch(ROLLBACK_TO_CHECK, [block, `SELECT current_setting(${quoteLiteral(RESULTS_SETTING)})`]);
        outcomes = parseWriteResults(String(read!.rows[0]![0]));
      } catch (error) {
        await this.session.control(ROLLBACK_TO_CHECK);
        if (!this.notes.some((n) => n.startsWith('writes ran one statement'))) {
          this.notes.push(`writes ran one statement at a time: the DO block that batches them failed (${errorText(error)})`);
        }
      }
      if (outcomes && outcomes.length === writes.length) writes.forEach((write, i) => this.judgeWrite(write, outcomes[i]!, context));
      else for (const c of chunk) await this.writes(c, orgA);
      onChunk(start + chunk.length);
    }
  }

  /** TRUNCATE ignores row level security: the privilege alone decides. */
  async truncate(cases: IsolationCase[]): Promise<void> {
    if (cases.length === 0) return;
    const role = quoteLiteral(this.role);
    const columns = cases.map((c) => `has_table_privilege(${role}, ${quoteLiteral(c.target)}, 'TRUNCATE')`);
    const [row] = (await this.session.one(ROLLBACK_TO_CHECK, `SELECT ARRAY[${columns.join(', ')}]::text`)).rows;
    const granted = String(row?.[0] ?? '').replace(/[{}]/g, '').split(',');
    cases.forEach((c, i) => {
      const verdict = judgeTruncate(granted[i] === 't' || granted[i] === 'true', this.rowTexts(c));
      this.record(c, 'truncate', 'truncate', verdict, TRUNCATE_CONTEXT, c.truncate);
    });
  }
}
