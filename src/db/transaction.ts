/**
 * The one place tenantguard opens a transaction. Every transaction it uses
 * (the audit's catalog read, init, scaffold's reads, the probe) begins with
 * the same round trip:
 *
 *   BEGIN …; SET LOCAL search_path = pg_catalog, pg_temp;
 *   SET LOCAL statement_timeout = …; SET LOCAL lock_timeout = …
 *
 * search_path first: an unqualified function or operator is resolved through
 * it, and a user's function or operator that matches the argument types more
 * exactly than pg_catalog's (`oid = integer`, a typed overload of a VARIADIC
 * "any" function), or any user object when the path lists a user schema
 * before pg_catalog, would otherwise run with tenantguard's rights — often a
 * superuser's. With pg_catalog first and pg_temp last (functions and
 * operators are never looked up in pg_temp when it is listed explicitly),
 * nothing a schema owner created is reachable without a schema name.
 *
 * The limits are SET LOCAL, per transaction, never per session: behind a
 * transaction-mode pooler (PgBouncer, Supavisor, Neon's -pooler hosts) a
 * session-level SET would stick to a server connection other clients reuse.
 * Every transaction is rolled back: nothing tenantguard does is committed.
 */
import { UsageError } from '../errors.js';
import { quoteLiteral } from '../sql/quote.js';
import { toQueryFailure } from './query-errors.js';
import type { Queryable } from './types.js';

export interface TransactionLimits {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
}

/** A connection and the limits every transaction on it runs under: passed explicitly, never attached to the client. */
export interface Connection {
  readonly client: Queryable;
  readonly limits: TransactionLimits;
}

export type TransactionAccess = 'read only' | 'read write';

/** The only search_path tenantguard's statements run with. */
export const PINNED_SEARCH_PATH = 'pg_catalog, pg_temp';

/** Postgres stores both settings as a 32-bit count of milliseconds. */
export const MAX_LIMIT_MS = 2_147_483_647;

const LIMIT_NAMES: Record<keyof TransactionLimits, string> = {
  statementTimeoutMs: 'statement timeout (--statement-timeout, "statementTimeoutMs")',
  lockTimeoutMs: 'lock timeout (--lock-timeout, "lockTimeoutMs")',
};

/** Checks limits given by a caller (flags, environment, config, API): whole milliseconds, 0 (no limit) to MAX_LIMIT_MS. */
export function checkLimits(limits: TransactionLimits): TransactionLimits {
  for (const key of Object.keys(LIMIT_NAMES) as (keyof TransactionLimits)[]) {
    const value = limits[key];
    if (!Number.isInteger(value) || value < 0 || value > MAX_LIMIT_MS) {
      throw new UsageError(
        `invalid ${LIMIT_NAMES[key]}: ${value}`,
        `give a whole number of milliseconds from 0 (no limit) to ${MAX_LIMIT_MS} (about 24 days)`,
      );
    }
  }
  return limits;
}

/** A connection with its limits, checked. */
export function connection(client: Queryable, limits: TransactionLimits): Connection {
  return { client, limits: checkLimits(limits) };
}

/**
 * The text of the BEGIN round trip: the transaction, then search_path before
 * anything else, then the limits. Exported for the leak suite, which sends the
 * same text from its own connections.
 */
export function beginTransactionSql(access: TransactionAccess, limits: TransactionLimits): string {
  const { statementTimeoutMs, lockTimeoutMs } = checkLimits(limits);
  return [
    `BEGIN TRANSACTION ${access === 'read only' ? 'READ ONLY' : 'READ WRITE'}`,
    `SET LOCAL search_path = ${PINNED_SEARCH_PATH}`,
    `SET LOCAL statement_timeout = ${quoteLiteral(String(statementTimeoutMs))}`,
    `SET LOCAL lock_timeout = ${quoteLiteral(String(lockTimeoutMs))}`,
  ].join('; ');
}

/**
 * Runs `fn` in a pinned transaction and always rolls back. A failing ROLLBACK
 * is reported only when `fn` itself succeeded; otherwise `fn`'s error is the
 * one worth seeing (and the server discards an open transaction when its
 * connection goes away). Expected failures (timeouts, locks, a lost
 * connection) come out as one-line errors (query-errors.ts).
 */
export async function withTransaction<T>(
  { client, limits }: Connection,
  access: TransactionAccess,
  fn: (client: Queryable) => Promise<T>,
): Promise<T> {
  let result: T;
  try {
    await client.query(beginTransactionSql(access, limits));
    result = await fn(client);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw toQueryFailure(error, limits);
  }
  try {
    await client.query('ROLLBACK');
  } catch (error) {
    throw toQueryFailure(error, limits);
  }
  return result;
}

/**
 * `withTransaction` READ ONLY: an audit cannot write even if a query tried to
 * (Postgres rejects it with "cannot execute … in a read-only transaction").
 */
export function withReadOnlyTransaction<T>(connection: Connection, fn: (client: Queryable) => Promise<T>): Promise<T> {
  return withTransaction(connection, 'read only', fn);
}
