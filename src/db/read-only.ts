import type { Queryable } from './types.js';
import { transactionLimitsSql } from './transaction-limits.js';

/**
 * Run `fn` inside `BEGIN TRANSACTION READ ONLY` and always roll back, so an
 * audit cannot write even if a query tried to (Postgres rejects it with
 * "cannot execute ... in a read-only transaction"). The connection's
 * statement_timeout and lock_timeout are set with SET LOCAL in the same round trip.
 * A failing ROLLBACK is reported only when `fn` itself succeeded; otherwise
 * `fn`'s error is the one worth seeing (and the server aborts the transaction
 * anyway when the connection goes away).
 */
export async function withReadOnlyTransaction<C extends Queryable, T>(client: C, fn: (client: C) => Promise<T>): Promise<T> {
  let result: T;
  try {
    await client.query(`BEGIN TRANSACTION READ ONLY; ${transactionLimitsSql(client)}`);
    result = await fn(client);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
  await client.query('ROLLBACK');
  return result;
}
