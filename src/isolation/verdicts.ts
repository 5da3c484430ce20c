/**
 * The checks of tenant isolation and what Postgres's answers to them mean.
 * Both runners — `tenantguard probe` and the vitest suite `tenantguard
 * scaffold tests` writes — reach their verdicts here: the probe imports this
 * module and the suite gets a verbatim copy of it, so the two cannot drift
 * apart. It therefore imports nothing and only decides: running statements
 * is the runners' part.
 *
 * What Postgres's answers mean:
 * - a read leaks when org B's row (or, without a context, any row) comes back;
 * - a write leaks when it touches org B's row, or stores a row in org B;
 * - row level security checks a row before NOT NULL, CHECK, unique and
 *   foreign-key constraints, so a constraint error (SQLSTATE class 23) means
 *   the policies let the write through; 42501 is the refusal;
 * - a stored row is confirmed by counting org B's rows as the seeding role:
 *   a BEFORE trigger may have sent it back to org A.
 */

export type CheckName =
  | 'select'
  | 'select-without-context'
  | 'select-empty-context'
  | 'select-bypass-setting'
  | 'update-other-org'
  | 'delete-other-org'
  | 'insert-for-other-org'
  | 'move-to-other-org'
  | 'truncate';

export const COMMAND: Readonly<Record<CheckName, 'SELECT' | 'UPDATE' | 'DELETE' | 'INSERT' | 'TRUNCATE'>> = {
  select: 'SELECT',
  'select-without-context': 'SELECT',
  'select-empty-context': 'SELECT',
  'select-bypass-setting': 'SELECT',
  'update-other-org': 'UPDATE',
  'delete-other-org': 'DELETE',
  'insert-for-other-org': 'INSERT',
  'move-to-other-org': 'UPDATE',
  truncate: 'TRUNCATE',
};

/**
 * What a check concluded. `inconclusive`: it could not run, or could not tell
 * isolation from something else, and says why — never a pass.
 */
export type Verdict = { kind: 'pass' } | { kind: 'leak'; leaked: string; detail: string | null } | { kind: 'inconclusive'; reason: string };

const PASS: Verdict = { kind: 'pass' };

/** The rows a table's checks are about, as text for messages (the row as JSON). */
export interface RowTexts {
  own: string;
  other: string;
  /** The new row the INSERT check offers for org B, when the runner shows it. */
  offered?: string;
}

export function sqlState(error: unknown): string {
  return (error as { code?: string } | null)?.code ?? '';
}

export function errorText(error: unknown): string {
  return `${sqlState(error)}: ${error instanceof Error ? error.message : String(error)}`;
}

/** `app.current_org_id = '…'`, or that it is not set. */
export function contextText(setting: string, value: string | null): string {
  return value === null ? `no ${setting} set` : `${setting} = '${value.replace(/'/g, "''")}'`;
}

// ---------------------------------------------------------------- seeded rows

/**
 * A value in a statement: text that Postgres casts to the column's type, or a
 * column of a row seeded earlier (its default-generated id, say), read back
 * through RETURNING. `tableoid` and `ctid` name the seeded row's system columns.
 */
export type SeedValue = { literal: string } | { row: string; column: string };

/** What a seed row's INSERT … RETURNING gave back: tableoid, ctid, the row as JSON, then the columns other rows refer to. */
export type Returned = readonly (string | null)[];

/** The text of `value`, given the seeded rows' RETURNING results and the columns each row returns after the first three. */
export function seededValue(value: SeedValue, returned: ReadonlyMap<string, Returned>, returnsOf: (row: string) => readonly string[] | undefined): string {
  if ('literal' in value) return value.literal;
  const row = returned.get(value.row);
  const returns = returnsOf(value.row);
  if (!row || !returns) throw new Error(`row ${value.row} was not seeded`);
  const index = value.column === 'tableoid' ? 0 : value.column === 'ctid' ? 1 : 3 + returns.indexOf(value.column);
  const text = row[index];
  if (text === null || text === undefined) throw new Error(`row ${value.row} has no value for ${value.column}`);
  return text;
}

// ---------------------------------------------------------------- the checks of one table

/**
 * One tenant table's checks as both runners receive them, `S` being a
 * statement in the runner's form. Statements name their target rows by
 * (tableoid, ctid) — exact for any table, with or without a primary key — or
 * by a cursor positioned on the row, and touch no other row.
 */
export interface CheckedTable<S> extends WriteStatements<S> {
  /** Display name: `public.projects`. */
  table: string;
  /** `schema.name` */
  key: string;
  /** The table as SQL: `"public"."projects"`. */
  target: string;
  role: string;
  setting: string;
  /** `SET LOCAL ROLE …`, quoted. */
  setRole: string;
  /** Ids of the rows to insert first, parents first. */
  seed: string[];
  /** Ids of org A's and org B's row of this table. */
  own: string;
  other: string;
  /** Returns (tableoid, ctid) of whichever of own/other is visible. */
  read: S;
  /** The columns of the row `insertOther` offers, for messages. */
  insertOtherColumns: string[];
  truncate: string;
  /** Other custom settings the table's policies read (a switch any role can SET) and values to try. */
  bypass: { setting: string; values: string[] }[];
}

/**
 * A cursor on one seeded row, declared by the seeding role (under the row's
 * organization's context, for a table owner under FORCE) and moved onto it
 * before the app role writes `WHERE CURRENT OF` it.
 */
export interface RowCursor<S> {
  name: string;
  /** `DECLARE name NO SCROLL CURSOR FOR SELECT FROM … WHERE tableoid = … AND ctid = …` */
  declare: S;
  /** `MOVE NEXT IN name` */
  move: string;
}

// ---------------------------------------------------------------- reads

/** Which of org A's and org B's seeded rows a read returned, or the error it raised. */
export type ReadOutcome = { own: boolean; other: boolean } | { state: string; error: string };

/** With org A's context: org A's row and not org B's. Without SELECT privilege nothing can be read: nothing to prove. */
export function judgeOwnRowsOnly(outcome: ReadOutcome, rows: RowTexts, context: string): Verdict {
  if ('state' in outcome) return outcome.state === '42501' ? PASS : inconclusive(`SELECT failed (${outcome.error})`);
  if (outcome.other) return { kind: 'leak', leaked: `returned org B's row ${rows.other}`, detail: null };
  if (!outcome.own) return inconclusive(`org A's own row is not visible with ${context}, so isolation cannot be told apart from denial`);
  return PASS;
}

/**
 * Without a context, or with '': nothing may be visible. A policy may fail
 * closed with an error there, which shows nothing: ''::uuid raises 22P02
 * (docs/postgres-rls.md#empty-context), a setting never set and read without
 * missing_ok raises 42704 (docs/postgres-rls.md#missing-ok).
 */
export function judgeNothingVisible(outcome: ReadOutcome, rows: RowTexts): Verdict {
  if ('state' in outcome) {
    return failsClosed(outcome.state) || outcome.state === '42704' ? PASS : inconclusive(`SELECT failed (${outcome.error})`);
  }
  const leaked = [...(outcome.own ? [`org A's row ${rows.own}`] : []), ...(outcome.other ? [`org B's row ${rows.other}`] : [])];
  return leaked.length > 0 ? { kind: 'leak', leaked: `returned ${leaked.join(' and ')}`, detail: null } : PASS;
}

/**
 * With org A's context and a custom setting any role can SET
 * (docs/postgres-rls.md#custom-settings): org B's row stays hidden. A data
 * error means the policy rejected the value — unless another setting the
 * policies read could not be given back its pristine value (`unrestored`):
 * Postgres keeps a custom setting once set, reading '' where it read NULL,
 * and the error may come from that instead.
 */
export function judgeBypass(outcome: ReadOutcome, rows: RowTexts, setting: string, unrestored: readonly string[] = []): Verdict {
  if ('state' in outcome) {
    if (outcome.state === '42501' || (outcome.state.startsWith('22') && unrestored.length === 0)) return PASS;
    const why = unrestored.length > 0 ? `; ${unrestored.join(', ')} read '' instead of NULL after an earlier check set them` : '';
    return inconclusive(`SELECT with ${setting} set failed (${outcome.error})${why}`);
  }
  return outcome.other ? { kind: 'leak', leaked: `returned org B's row ${rows.other}`, detail: null } : PASS;
}

const failsClosed = (state: string) => state === '42501' || state.startsWith('22');
const inconclusive = (reason: string): Verdict => ({ kind: 'inconclusive', reason });

// ---------------------------------------------------------------- writes

/**
 * A table's write statements and confirming count, in whatever form the
 * runner sends them. Each touches at most one row — a seeded one — whatever
 * the size of the table.
 */
export interface WriteStatements<S> {
  /** Moves org B's row into org A (its tenant key set to A's), by (tableoid, ctid): must touch no row. */
  updateOther: S;
  deleteOther: S;
  /** A new row for org B, without RETURNING (RETURNING would add the SELECT policies' check, docs/postgres-rls.md#write-leaks). */
  insertOther: S;
  /** Moves org A's row into org B: must be rejected. */
  moveOwn: S;
  /** updateOther, deleteOther and moveOwn `WHERE CURRENT OF` a cursor on the row (see writeChecks). */
  updateOtherAtCursor: S;
  deleteOtherAtCursor: S;
  moveOwnAtCursor: S;
  cursors: { own: RowCursor<S>; other: RowCursor<S> };
  /** Counts org B's rows, as the seeding role. */
  countOther: S;
}

export interface WriteCheck<S> {
  check: CheckName;
  /** Distinguishes the variants of one check: the check, and `:at-cursor` for those through a cursor. */
  key: string;
  statement: S;
  /** The cursor to declare and move onto its row before the statement runs, or null. */
  cursor: RowCursor<S> | null;
  /** Whose context the cursor is declared under. */
  cursorOrg: 'A' | 'B' | null;
  /** Run as the seeding role when the write touched rows: a count that tells whether org B was reached. */
  confirm: S | null;
  leaked: string;
  /** The same, when a constraint stopped what the policies let through. */
  attempted: string;
  /** Whether `rows` touched and the confirming count `landed` show a leak. */
  leaks(rows: number, landed: number | null): boolean;
}

const touched = (rows: number) => rows > 0;
// A stored row leaks when it really landed in org B (org B holds its seeded row, plus this one).
const landedInB = (rows: number, landed: number | null) => rows > 0 && (landed ?? 0) > 1;
const AT_CURSOR = 'through a cursor (WHERE CURRENT OF reads no column, so only the write policies apply, as to a statement without WHERE)';

/**
 * The write checks of one table, in the order they run. A WHERE clause reads
 * columns, so Postgres adds the SELECT policies to an UPDATE or DELETE — on
 * the rows it sees and as a check on the new rows — which can hide a write
 * policy weaker than the SELECT policy (docs/postgres-rls.md#write-leaks).
 * An application shows that weakness with a statement without WHERE, which
 * touches every row of every organization; the checks show it on the seeded
 * row alone, `WHERE CURRENT OF` a cursor the seeding role positioned on it.
 */
export function writeChecks<S>(c: WriteStatements<S>, rows: RowTexts): WriteCheck<S>[] {
  const { own, other } = rows;
  const offered = rows.offered ? ` ${rows.offered}` : '';
  const { own: ownCursor, other: otherCursor } = c.cursors;
  const plain = { cursor: null, cursorOrg: null } as const;
  return [
    { check: 'update-other-org', key: 'update-other-org', statement: c.updateOther, ...plain, confirm: null, leaked: `changed org B's row ${other}`, attempted: `reached org B's row ${other}`, leaks: touched },
    { check: 'update-other-org', key: 'update-other-org:at-cursor', statement: c.updateOtherAtCursor, cursor: otherCursor, cursorOrg: 'B', confirm: null, leaked: `changed org B's row ${other} ${AT_CURSOR}`, attempted: `reached org B's row ${other} ${AT_CURSOR}`, leaks: touched },
    { check: 'delete-other-org', key: 'delete-other-org', statement: c.deleteOther, ...plain, confirm: null, leaked: `deleted org B's row ${other}`, attempted: `reached org B's row ${other}`, leaks: touched },
    { check: 'delete-other-org', key: 'delete-other-org:at-cursor', statement: c.deleteOtherAtCursor, cursor: otherCursor, cursorOrg: 'B', confirm: null, leaked: `deleted org B's row ${other} ${AT_CURSOR}`, attempted: `reached org B's row ${other} ${AT_CURSOR}`, leaks: touched },
    { check: 'insert-for-other-org', key: 'insert-for-other-org', statement: c.insertOther, ...plain, confirm: c.countOther, leaked: `stored a new row for org B${offered}`, attempted: `offered a new row for org B${offered}`, leaks: landedInB },
    { check: 'move-to-other-org', key: 'move-to-other-org', statement: c.moveOwn, ...plain, confirm: c.countOther, leaked: `moved org A's row ${own} into org B`, attempted: `offered org A's row ${own} moved into org B`, leaks: landedInB },
    { check: 'move-to-other-org', key: 'move-to-other-org:at-cursor', statement: c.moveOwnAtCursor, cursor: ownCursor, cursorOrg: 'A', confirm: c.countOther, leaked: `moved org A's row ${own} into org B ${AT_CURSOR}`, attempted: `offered org A's row ${own} moved into org B ${AT_CURSOR}`, leaks: landedInB },
  ];
}

/** Rows touched and the confirming count; refused (42501); let through by the policies and stopped by a constraint (class 23); or failed. */
export type WriteOutcome = { rows: number; landed: number | null } | { refused: true } | { admitted: string } | { failed: string };

export function writeOutcomeOfError(state: string, message: string): WriteOutcome {
  if (state === '42501') return { refused: true };
  if (state.startsWith('23')) return { admitted: `${state}: ${message}` };
  return { failed: `${state}: ${message}` };
}

export function judgeWrite<S>(write: WriteCheck<S>, outcome: WriteOutcome): Verdict {
  if ('failed' in outcome) return inconclusive(`${write.key} failed (${outcome.failed})`);
  if ('admitted' in outcome) {
    return { kind: 'leak', leaked: write.attempted, detail: `row level security let it through; only a constraint stopped it (${outcome.admitted})` };
  }
  if ('rows' in outcome && write.leaks(outcome.rows, outcome.landed)) return { kind: 'leak', leaked: write.leaked, detail: null };
  return PASS;
}

// ---------------------------------------------------------------- TRUNCATE

/** TRUNCATE is not subject to row level security (docs/postgres-rls.md#truncate): it leaks exactly when the app role holds the privilege. */
export function judgeTruncate(granted: boolean, rows: RowTexts): Verdict {
  return granted ? { kind: 'leak', leaked: `is allowed: it would delete every organization's rows, org B's row ${rows.other} included`, detail: null } : PASS;
}

export const TRUNCATE_CONTEXT = 'any tenant context (row level security does not apply to TRUNCATE)';

// ---------------------------------------------------------------- messages

export interface LeakEvidence {
  check: CheckName;
  role: string;
  /** The tenant context the statement ran under, as contextText() words it. */
  context: string;
  leaked: string;
  detail: string | null;
  statement: string;
}

/** `UPDATE as app_user with app.current_org_id = '…' changed org B's row {…} (statement: …)` */
export function describeLeak(leak: LeakEvidence): string {
  const detail = leak.detail ? `; ${leak.detail}` : '';
  return `${COMMAND[leak.check]} as ${leak.role} with ${leak.context} ${leak.leaked}${detail} (statement: ${leak.statement.replace(/\s+/g, ' ')})`;
}
