/**
 * Failures of a query on an open connection that are the database's
 * answer, not a bug in tenantguard: timeouts, locks held by others, a
 * connection that went away, a server out of resources. Each becomes one
 * line with a hint (exit 2). Anything else — a syntax error in tenantguard's
 * own SQL, a read-only violation — stays as it is and is reported as an
 * internal error.
 */
import { TenantguardError } from '../errors.js';
import type { TransactionLimits } from './transaction.js';

interface PgErrorShape {
  code?: unknown;
  message?: unknown;
}

const RETRY = 'nothing tenantguard did was committed; run it again';

/** node-postgres' own errors when the socket closes: they carry no SQLSTATE. */
const CONNECTION_LOST = /^(Connection terminated|Client has encountered a connection error|Client was closed)/;

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}

function describeMs(ms: number | undefined): string {
  return ms === undefined ? '' : ` (${ms} ms)`;
}

/**
 * The one-line error for an expected failure of a query, or null when the
 * error is not one (the caller rethrows it unchanged). `limits` are those the
 * transaction ran with, to say which limit was hit.
 */
export function expectedQueryFailure(error: unknown, limits?: TransactionLimits): TenantguardError | null {
  if (error instanceof TenantguardError) return error;
  const { code, message } = (error ?? {}) as PgErrorShape;
  if (typeof message !== 'string') return null;
  const text = firstLine(message);
  const state = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null;
  const failure = (line: string, hint: string) => new TenantguardError(line, hint, { cause: error });

  if (state === null) {
    return CONNECTION_LOST.test(text)
      ? failure(`the connection to the database was lost: ${text}`, `the server or a proxy closed it; ${RETRY}`)
      : null;
  }
  if (state === '57014') {
    if (/statement timeout/.test(text)) {
      return failure(
        `a statement ran longer than the statement timeout${describeMs(limits?.statementTimeoutMs)} and was cancelled`,
        'raise it with --statement-timeout MS or "statementTimeoutMs" in tenantguard.config.json (0 = no limit)',
      );
    }
    return failure(`the server cancelled a statement: ${text}`, `someone ran pg_cancel_backend on tenantguard's session; ${RETRY}`);
  }
  if (state === '55P03') {
    return failure(
      `a lock was not granted within the lock timeout${describeMs(limits?.lockTimeoutMs)}: another session holds a conflicting lock`,
      'a migration or a long transaction is probably running; retry when it has finished, or raise --lock-timeout MS ("lockTimeoutMs" in the config)',
    );
  }
  if (state.startsWith('57P') || state.startsWith('08')) {
    return failure(
      `the connection to the database was lost: ${text}`,
      `the server ended the session (restart, failover, pg_terminate_backend, a proxy's limit); ${RETRY}`,
    );
  }
  if (state.startsWith('53')) return failure(`the database server is out of resources: ${text}`, `retry later; ${RETRY}`);
  if (state.startsWith('40')) return failure(`the server rolled the transaction back: ${text}`, RETRY);
  if (state === '42501') {
    return failure(
      `permission denied: ${text}`,
      'connect as a role that can read the tables being checked (their owner, or a role with SELECT on them)',
    );
  }
  if (state.startsWith('58') || state.startsWith('XX')) {
    return failure(`the database server failed: ${text} (SQLSTATE ${state})`, 'see the server log; retry, or audit a copy of the database');
  }
  return null;
}

/** Rethrow form: the one-line error when the failure is expected, else `error` itself. */
export function toQueryFailure(error: unknown, limits?: TransactionLimits): unknown {
  return expectedQueryFailure(error, limits) ?? error;
}
