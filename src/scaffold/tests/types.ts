/**
 * The isolation plan: which rows to seed for two organizations and which
 * statements prove that one cannot read or write the other's rows. It is plain
 * data, shared by the generated vitest suite (written into its data file) and
 * by the live probe (run by tenantguard itself), so both hold a schema to the
 * same checks.
 */

export type Org = 'A' | 'B';

/**
 * A value in a statement: text that Postgres casts to the column's type, or a
 * column of a row seeded earlier (its default-generated id, say), read back
 * through RETURNING. `tableoid` and `ctid` name the seeded row's system columns.
 */
export type SeedValue = { literal: string } | { row: string; column: string };

/**
 * A statement as parts: SQL text with values between them. Values carry no
 * cast: Postgres types them from the column they are assigned or compared to,
 * so the same parts render as `$n` parameters (the generated suite) or as
 * quoted literals (the probe).
 */
export type StatementPart = string | SeedValue;

export interface SeedRow {
  /** `schema.table#A`, `schema.table#B`, `schema.table#shared` */
  id: string;
  /** Display name of the table. */
  table: string;
  /** The organization the row belongs to; null for a row of a table outside tenancy (a plan, a user). */
  org: Org | null;
  /** INSERT … RETURNING tableoid, ctid, the row as JSON, then `returns`. */
  insert: StatementPart[];
  /** Columns read back after tableoid, ctid and the row (those other rows refer to). */
  returns: string[];
}

/** The rows and statements that test one tenant table as one role. */
export interface IsolationCase {
  /** Display name: `public.projects`. */
  table: string;
  /** `schema.name` (catalog tableKey). */
  key: string;
  /** The table as SQL: `"public"."projects"`. */
  target: string;
  role: string;
  setting: string;
  /** `SET LOCAL ROLE …`, quoted. */
  setRole: string;
  /** Rows to insert first, parents first. */
  seed: string[];
  /** Org A's and org B's row of this table. */
  own: string;
  other: string;
  /** Returns (tableoid, ctid) of whichever of own/other is visible. */
  read: StatementPart[];
  /** Moves org B's row into org A (its tenant key set to A's): must touch no row. */
  updateOther: StatementPart[];
  deleteOther: StatementPart[];
  /** A new row for org B, without RETURNING (RETURNING would add the SELECT policies' check, docs/postgres-rls.md#write-leaks). */
  insertOther: StatementPart[];
  /** The values of that new row, for failure messages. */
  insertOtherColumns: string[];
  /** Moves org A's row into org B: must be rejected. */
  moveOwn: StatementPart[];
  /**
   * The same two UPDATEs without WHERE. A WHERE clause reads columns, so
   * Postgres adds the SELECT policies to the UPDATE — as a filter on the rows
   * it sees and as a check on the new rows (docs/postgres-rls.md#write-leaks) — which can
   * hide an UPDATE policy weaker than the SELECT policy. Without WHERE they
   * touch every row the UPDATE policies admit: with isolation intact, org A's
   * own row only.
   */
  updateAll: StatementPart[];
  moveAll: StatementPart[];
  /** 1 while org B's row is unchanged (its row version still there), as the seeding role sees it. */
  otherIntact: StatementPart[];
  /** Counts org B's rows (run as the seeding role, to confirm where a write landed). */
  countOther: StatementPart[];
  truncate: string;
  /** Other custom settings the table's policies read (a superadmin switch any role can SET, docs/postgres-rls.md#custom-settings) and values to try. */
  bypass: { setting: string; values: string[] }[];
}

/** A tenant table the plan cannot test, and why. */
export interface TodoCase {
  table: string;
  key: string;
  role: string | null;
  todo: string;
}

export interface IsolationPlan {
  setting: string;
  /** The tenant ids of org A and org B (the root's key, or literals when there is no root table). */
  orgs: Record<Org, SeedValue>;
  /** Every row any case seeds, keyed by id, in an order where parents come first. */
  rows: SeedRow[];
  cases: IsolationCase[];
  todo: TodoCase[];
}
