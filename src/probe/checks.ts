/**
 * The checks of the generated leak suite, run live as the app role inside the
 * probe's transaction. Verdicts follow what Postgres does:
 * - a read leaks when org B's row (or, without a context, any row) is returned;
 * - a write leaks when it touches org B's row, or when a new row for org B is
 *   stored. Row level security checks a row before NOT NULL, CHECK, unique
 *   and foreign-key constraints, so a constraint error (SQLSTATE class 23)
 *   means the policies let the write through; 42501 is the refusal;
 * - a stored write is confirmed by counting org B's rows as the connected role
 *   (a BEFORE trigger may have sent the row back to org A);
 * - TRUNCATE is not subject to row level security: it leaks exactly when the
 *   app role holds the privilege, asked with has_table_privilege rather than
 *   by truncating (which would take an ACCESS EXCLUSIVE lock on a live table).
 */
import { withLiterals } from '../scaffold/tests/statements.js';
import type { IsolationCase, IsolationPlan } from '../scaffold/tests/types.js';
import { quoteIdent, quoteLiteral } from '../sql/quote.js';
import type { Seeded } from './seed.js';
import { CHECK_SAVEPOINT, type ProbeSession } from './session.js';
import { parseWriteResults, RESULTS_SETTING, writeBlock, type WriteOutcome } from './write-block.js';

export type ProbeCheck =
  | 'select'
  | 'select-without-context'
  | 'select-empty-context'
  | 'select-bypass-setting'
  | 'update-other-org'
  | 'delete-other-org'
  | 'insert-for-other-org'
  | 'move-to-other-org'
  | 'truncate';

export interface ProbeLeak {
  case: IsolationCase;
  check: ProbeCheck;
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

interface WriteCheck {
  c: IsolationCase;
  check: ProbeCheck;
  /** Fingerprint key: the check, and `:no-where` for the variants without WHERE. */
  key: string;
  sql: string;
  leaked: string;
  /** The same, when a constraint stopped what the policies let through; null when a constraint error proves nothing. */
  attempted: string | null;
  /** Run as the connected role when the write touched rows: a count that tells whether org B was reached. */
  confirm: string | null;
  /** Whether `rows` touched and the confirming count `landed` show a leak. */
  leaks(rows: number, landed: number | null): boolean;
}

const READ_CHUNK = 200;
const WRITE_CHUNK = 50;
// Reads run after ROLLBACK TO a savepoint taken once the phase's role and context are set:
// a read changes nothing, and one savepoint per phase keeps the transaction shallow.
const PHASE_SAVEPOINT = 'tenantguard_phase';
const READ_GUARD = `ROLLBACK TO SAVEPOINT ${PHASE_SAVEPOINT}`;
const ROLLBACK_TO_CHECK = `ROLLBACK TO SAVEPOINT ${CHECK_SAVEPOINT}`;

const sqlState = (error: unknown) => (error as { code?: string } | null)?.code ?? '';
const errorText = (error: unknown) => `${sqlState(error)}: ${error instanceof Error ? error.message : String(error)}`;

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

  private rowText(id: string): string {
    return this.seeded.returned.get(id)?.[2] ?? id;
  }

  private identity(id: string): string {
    const returned = this.seeded.returned.get(id)!;
    return `${returned[0]}/${returned[1]}`;
  }

  private leak(c: IsolationCase, check: ProbeCheck, context: string, statement: string, leaked: string, key: string, detail: string | null = null) {
    this.leaks.push({ case: c, check, kind: check.startsWith('select') ? 'read' : 'write', context, statement, leaked, detail, key });
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
    const value = row?.[0] as string | null;
    return value === null ? `no ${this.plan.setting} set` : `${this.plan.setting} = ${quoteLiteral(value)}`;
  }

  /**
   * Runs every case's read under the current context, batched; a batch with
   * a failing read is replayed one read at a time. `tolerated` errors mean
   * nothing was visible (no SELECT privilege; a cast of '' failing closed).
   */
  async reads(cases: IsolationCase[], tolerated: (state: string) => boolean, judge: (c: IsolationCase, own: boolean, other: boolean, sql: string) => void) {
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
        let rows = results?.[i];
        if (!rows) {
          try {
            rows = (await this.session.one(READ_GUARD, statements[i]!)).rows;
          } catch (error) {
            await this.session.control(READ_GUARD);
            if (!tolerated(sqlState(error))) this.notes.push(`${c.table}: SELECT failed (${errorText(error)})`);
            continue;
          }
        }
        const seen = new Set(rows.map((r) => `${r[0]}/${r[1]}`));
        judge(c, seen.has(this.identity(c.own)), seen.has(this.identity(c.other)), statements[i]!);
      }
    }
  }

  /** Reads with no context or '' context: nothing may be visible. */
  async nothingVisible(cases: IsolationCase[], check: 'select-without-context' | 'select-empty-context'): Promise<void> {
    const context = await this.contextState();
    await this.reads(cases, (s) => s === '42501' || s.startsWith('22'), (c, own, other, sql) => {
      const leaked = [...(own ? [`org A's row ${this.rowText(c.own)}`] : []), ...(other ? [`org B's row ${this.rowText(c.other)}`] : [])];
      if (leaked.length > 0) this.leak(c, check, context, sql, `returned ${leaked.join(' and ')}`, check);
    });
  }

  /** Reads with org A's context: org A's row, not org B's. */
  async ownRowsOnly(cases: IsolationCase[], orgA: string): Promise<void> {
    const context = `${this.plan.setting} = ${quoteLiteral(orgA)}`;
    await this.reads(cases, (s) => s === '42501', (c, own, other, sql) => {
      if (other) this.leak(c, 'select', context, sql, `returned org B's row ${this.rowText(c.other)}`, 'select');
      else if (!own) this.notes.push(`${c.table}: org A's own row is not visible with ${context}, so isolation cannot be told apart from denial`);
    });
  }

  /** Any role can SET a custom setting the policies read (docs/postgres-rls.md#custom-settings). Runs after SAVEPOINT tenantguard_check. */
  async bypassSettings(c: IsolationCase, orgA: string): Promise<void> {
    for (const bypass of c.bypass) {
      for (const value of bypass.values) {
        const read = this.sql(c.read);
        let rows;
        try {
          [, { rows }] = (await this.session.batch(ROLLBACK_TO_CHECK, [
            `SELECT set_config(${quoteLiteral(bypass.setting)}, ${quoteLiteral(value)}, true)`,
            read,
          ])) as [unknown, { rows: unknown[][] }];
        } catch (error) {
          if (!(sqlState(error) === '42501' || sqlState(error).startsWith('22'))) this.notes.push(`${c.table}: SELECT with ${bypass.setting} set failed (${errorText(error)})`);
          continue;
        }
        if (rows.some((r) => `${r[0]}/${r[1]}` === this.identity(c.other))) {
          const context = `${this.plan.setting} = ${quoteLiteral(orgA)} and ${bypass.setting} = ${quoteLiteral(value)} (any role can set it)`;
          this.leak(c, 'select-bypass-setting', context, read, `returned org B's row ${this.rowText(c.other)}`, `select-bypass-setting:${bypass.setting}`);
          break;
        }
      }
    }
  }

  /** One write, rolled back to the check savepoint first: rows touched, refused (42501), or let through by the policies (class 23). */
  private async attempt(write: WriteCheck): Promise<WriteOutcome> {
    try {
      const rows = (await this.session.one(ROLLBACK_TO_CHECK, write.sql)).rowCount;
      return { rows, landed: rows > 0 && write.confirm ? await this.confirmAsConnectedRole(write.confirm) : null };
    } catch (error) {
      const state = sqlState(error);
      if (state === '42501') return { refused: true };
      if (state.startsWith('23')) return { admitted: errorText(error) };
      return { failed: errorText(error) };
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

  private writeChecks(c: IsolationCase): WriteCheck[] {
    const [own, other] = [this.rowText(c.own), this.rowText(c.other)];
    const [count, intact] = [this.sql(c.countOther), this.sql(c.otherIntact)];
    const touched = (rows: number) => rows > 0;
    // A stored row leaks when it really landed in org B (a BEFORE trigger may have sent it back to org A).
    const landedInB = (rows: number, landed: number | null) => rows > 0 && (landed ?? 0) > 1;
    const noWhere = 'without a WHERE clause (so Postgres adds no SELECT policy)';
    return [
      { c, check: 'update-other-org', key: 'update-other-org', sql: this.sql(c.updateOther), leaked: `changed org B's row ${other}`, attempted: `reached org B's row ${other}`, confirm: null, leaks: touched },
      // Org B's row version is gone when the UPDATE without WHERE reached it.
      { c, check: 'update-other-org', key: 'update-other-org:no-where', sql: this.sql(c.updateAll), leaked: `${noWhere} changed org B's row ${other}`, attempted: null, confirm: intact, leaks: (rows, landed) => rows > 0 && landed === 0 },
      { c, check: 'delete-other-org', key: 'delete-other-org', sql: this.sql(c.deleteOther), leaked: `deleted org B's row ${other}`, attempted: `reached org B's row ${other}`, confirm: null, leaks: touched },
      { c, check: 'insert-for-other-org', key: 'insert-for-other-org', sql: this.sql(c.insertOther), leaked: 'stored a new row for org B', attempted: 'offered a new row for org B', confirm: count, leaks: landedInB },
      { c, check: 'move-to-other-org', key: 'move-to-other-org', sql: this.sql(c.moveOwn), leaked: `moved org A's row ${own} into org B`, attempted: `offered org A's row ${own} moved into org B`, confirm: count, leaks: landedInB },
      { c, check: 'move-to-other-org', key: 'move-to-other-org:no-where', sql: this.sql(c.moveAll), leaked: `${noWhere} moved org A's row ${own} into org B`, attempted: `${noWhere} offered org A's row ${own} moved into org B`, confirm: count, leaks: landedInB },
    ];
  }

  /** One verdict per check: the variant without WHERE is reported only when the targeted statement was not. */
  private judgeWrite(write: WriteCheck, outcome: WriteOutcome, context: string): void {
    const { c, check, sql, leaked, attempted, key } = write;
    if (this.leaks.some((l) => l.case === c && l.check === check)) return;
    if ('failed' in outcome) this.notes.push(`${c.table}: ${key} failed (${outcome.failed})`);
    else if ('admitted' in outcome) {
      if (attempted) this.leak(c, check, context, sql, attempted, key, `row level security let it through; only a constraint stopped it (${outcome.admitted})`);
      else this.notes.push(`${c.table}: ${key} was stopped by a constraint, so it cannot tell whether org B's row was reached (${outcome.admitted})`);
    } else if ('rows' in outcome && write.leaks(outcome.rows, outcome.landed)) {
      this.leak(c, check, context, sql, leaked, key);
    }
  }

  /** The write checks, one round trip each. */
  async writes(c: IsolationCase, orgA: string): Promise<void> {
    const context = `${this.plan.setting} = ${quoteLiteral(orgA)}`;
    for (const write of this.writeChecks(c)) this.judgeWrite(write, await this.attempt(write), context);
  }

  /** The write checks of many tables per round trip (write-block.ts); per statement when the block cannot run. */
  async writesBatched(cases: IsolationCase[], orgA: string, onChunk: (done: number) => void = () => {}): Promise<void> {
    const context = `${this.plan.setting} = ${quoteLiteral(orgA)}`;
    for (let start = 0; start < cases.length; start += WRITE_CHUNK) {
      const chunk = cases.slice(start, start + WRITE_CHUNK);
      const writes = chunk.flatMap((c) => this.writeChecks(c));
      let outcomes: WriteOutcome[] | null = null;
      // A failed block leaves the transaction aborted: ROLLBACK TO recovers it before the fallback.
      try {
        const block = writeBlock(writes, this.plan.setting, this.seeded.orgId('B')!);
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

  /** TRUNCATE ignores row level security: the privilege alone decides (docs/postgres-rls.md#truncate). */
  async truncate(cases: IsolationCase[]): Promise<void> {
    if (cases.length === 0) return;
    const role = quoteLiteral(this.role);
    const columns = cases.map((c) => `has_table_privilege(${role}, ${quoteLiteral(c.target)}, 'TRUNCATE')`);
    const [row] = (await this.session.one(ROLLBACK_TO_CHECK, `SELECT ARRAY[${columns.join(', ')}]::text`)).rows;
    const granted = String(row?.[0] ?? '').replace(/[{}]/g, '').split(',');
    cases.forEach((c, i) => {
      if (granted[i] === 't' || granted[i] === 'true') {
        this.leak(c, 'truncate', 'any tenant context (row level security does not apply to TRUNCATE)', c.truncate, `is allowed: it would delete every organization's rows, org B's row ${this.rowText(c.other)} included`, 'truncate');
      }
    });
  }
}
