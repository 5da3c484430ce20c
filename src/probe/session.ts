/**
 * The probe's transaction: opened once, ALWAYS rolled back — after the last
 * check, on any error, on a timeout and on abort (SIGINT). Nothing it does
 * is ever committed:
 * - it begins as every tenantguard transaction does (db/transaction.ts):
 *   search_path pinned to pg_catalog, pg_temp before any other statement,
 *   then statement_timeout and lock_timeout (SET LOCAL);
 * - every statement text starts with SAVEPOINT or ROLLBACK TO SAVEPOINT, which
 *   Postgres refuses outside an explicit transaction block, so even if the
 *   transaction were somehow gone no write could run (and autocommit) on its own;
 * - COMMIT is never sent. If the process dies, the server sees the
 *   connection close and rolls the transaction back.
 */
import { beginTransactionSql } from '../db/transaction.js';
import type { Queryable } from '../db/types.js';
import { TenantguardError } from '../errors.js';
import { quoteIdent } from '../sql/quote.js';

export interface ProbeSessionOptions {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  signal?: AbortSignal;
}

/** The result of one statement in a batch (simple-query protocol: rows as arrays of text via ::text casts). */
export interface StatementResult {
  rowCount: number;
  rows: unknown[][];
}

export class ProbeAborted extends TenantguardError {
  constructor() {
    super('probe interrupted; its transaction was rolled back', 'nothing it did was committed');
    this.name = 'ProbeAborted';
  }
}

export const CHECK_SAVEPOINT = 'tenantguard_check';

export class ProbeSession {
  constructor(
    private readonly client: Queryable,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /**
   * Sends `statements` in one round trip after `guard` (a SAVEPOINT or ROLLBACK
   * TO SAVEPOINT). Returns one result per statement; a failing statement
   * throws and the statements after it do not run.
   */
  async batch(guard: string, statements: readonly string[]): Promise<StatementResult[]> {
    if (this.signal?.aborted) throw new ProbeAborted();
    const text = [guard, ...statements].join(';\n');
    const raw = (await this.client.query({ text, rowMode: 'array' } as never)) as unknown;
    if (this.signal?.aborted) throw new ProbeAborted();
    const results = (Array.isArray(raw) ? raw : [raw]) as { rowCount: number | null; rows: unknown[][] }[];
    return results.slice(1).map((r) => ({ rowCount: r.rowCount ?? 0, rows: r.rows ?? [] }));
  }

  async one(guard: string, statement: string): Promise<StatementResult> {
    return (await this.batch(guard, [statement]))[0]!;
  }

  /** A statement with no guard: only ROLLBACK TO, SET LOCAL, set_config and RESET ROLE, which write nothing. */
  async control(statement: string): Promise<void> {
    if (this.signal?.aborted) throw new ProbeAborted();
    await this.client.query(statement);
  }
}

/**
 * Opens the transaction, hands a session to `fn`, and rolls back whatever
 * happens. A failing ROLLBACK (the connection is gone) is not an error: the
 * server discards an open transaction when its connection closes.
 */
export async function withProbeTransaction<T>(
  client: Queryable,
  options: ProbeSessionOptions,
  fn: (session: ProbeSession) => Promise<T>,
): Promise<T> {
  await client.query(beginTransactionSql('read write', { statementTimeoutMs: options.statementTimeoutMs, lockTimeoutMs: options.lockTimeoutMs }));
  try {
    return await fn(new ProbeSession(client, options.signal));
  } finally {
    await client.query('ROLLBACK').catch(() => {});
  }
}

/** Refuses, with a hint, when the connected role cannot become the app role. */
export async function assertCanSetRole(session: ProbeSession, role: string): Promise<void> {
  try {
    await session.batch('SAVEPOINT tenantguard_role', [`SET LOCAL ROLE ${quoteIdent(role)}`, 'ROLLBACK TO SAVEPOINT tenantguard_role']);
  } catch (error) {
    const state = (error as { code?: string }).code;
    if (state === '42704' || state === '22023') {
      throw new TenantguardError(`role "${role}" does not exist in this database`, 'pass the role the application connects as with --app-role, or set "appRole" in tenantguard.config.json');
    }
    if (state === '42501') {
      throw new TenantguardError(
        `the connected role cannot SET ROLE to "${role}", so the probe cannot act as the application`,
        `connect as a superuser or as a member of it (GRANT ${quoteIdent(role)} TO <connected role>), or pass another --app-role`,
      );
    }
    throw error;
  }
}
