/**
 * The isolation plan: which rows to seed for two organizations and which
 * statements prove that one cannot read or write the other's rows. It is plain
 * data, shared by the generated vitest suite (written into its data file) and
 * by the live probe (run by tenantguard itself), so both hold a schema to the
 * same checks.
 */
import type { CheckedTable, SeedValue } from './verdicts.js';

export type Org = 'A' | 'B';

export type { SeedValue };

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
export type IsolationCase = CheckedTable<StatementPart[]>;

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
