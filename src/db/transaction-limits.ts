import { quoteLiteral } from '../sql/quote.js';

export interface TransactionLimits {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
}

/**
 * The limits a live connection was opened with. They are applied with
 * SET LOCAL at the start of each transaction rather than once per session:
 * behind a transaction-mode pooler (PgBouncer, Supavisor, Neon's -pooler
 * hosts) a session-level SET would stick to a server connection that other
 * clients reuse, and startup parameters such as statement_timeout are rejected
 * there ("unsupported startup parameter").
 */
const limitsByClient = new WeakMap<object, TransactionLimits>();

export function rememberTransactionLimits(client: object, limits: TransactionLimits): void {
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number of milliseconds ≥ 0, got ${value}`);
  }
  limitsByClient.set(client, limits);
}

/** `SET LOCAL ...` statements for a transaction on `client`, or '' when it has no limits (the embedded engine). */
export function transactionLimitsSql(client: object): string {
  const limits = limitsByClient.get(client);
  if (!limits) return '';
  return (
    `SET LOCAL statement_timeout = ${quoteLiteral(String(limits.statementTimeoutMs))}; ` +
    `SET LOCAL lock_timeout = ${quoteLiteral(String(limits.lockTimeoutMs))};`
  );
}
