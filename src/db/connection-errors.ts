import { ConnectionError } from '../errors.js';
import { describeEndpoint, type DatabaseTarget } from './url.js';

interface ErrorShape {
  code?: string;
  message?: string;
  hint?: string;
}

const TLS_VERIFY_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * Turn whatever connecting threw (a Node socket error, a TLS error, or the
 * server's ErrorResponse as a pg DatabaseError) into one line a user can act
 * on. The password never appears: Postgres' messages do not contain it, and
 * any text that does is scrubbed anyway.
 */
export function toConnectionError(error: unknown, target: DatabaseTarget): ConnectionError {
  const { message, hint } = explain((error ?? {}) as ErrorShape, target);
  const secrets = [target.password, target.sslpassword];
  return new ConnectionError(scrub(message, secrets), scrub(hint, secrets), { cause: error });
}

function explain(error: ErrorShape, target: DatabaseTarget): { message: string; hint: string } {
  const where = describeEndpoint(target);
  const text = firstLine(error.message ?? String(error));
  const code = error.code ?? '';

  switch (code) {
    case 'ECONNREFUSED':
      return {
        message: `could not connect to ${where}: connection refused`,
        hint: 'is PostgreSQL running there and listening on TCP (listen_addresses, port)? Check the host and port in the URL',
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return {
        message: `could not connect to ${where}: unknown host ${target.host}`,
        hint: 'check the host name in the URL (and that DNS works from this machine)',
      };
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return {
        message: `could not connect to ${where}: ${code === 'ETIMEDOUT' ? 'timed out' : 'host unreachable'}`,
        hint: 'check the host and port, firewalls, and whether the database accepts connections from this network (IP allow lists)',
      };
    case 'ECONNRESET':
      return {
        message: `connection to ${where} was reset by the server`,
        hint: 'the server or a proxy closed the connection; check sslmode (some hosts require sslmode=require) and the port',
      };
    case 'ENOENT':
      if (target.host.startsWith('/')) {
        return { message: `no PostgreSQL socket at ${where}`, hint: 'check the socket directory (host) and port, or connect over TCP' };
      }
      break;
    case '28P01':
      if (target.password === undefined) {
        return {
          message: `password authentication failed for user "${target.user}" on ${where}: the URL has no password`,
          hint: 'put the password in the URL (postgres://user:password@host/db) or set PGPASSWORD',
        };
      }
      return {
        message: `password authentication failed for user "${target.user}" on ${where}`,
        hint: 'check the user name and password in the URL; percent-encode special characters in the password (@ as %40, # as %23)',
      };
    case '28000':
      if (/no encryption/.test(text)) {
        return {
          message: `${where} refuses connections without TLS: ${text}`,
          hint: 'add ?sslmode=require to the URL (hosted Postgres such as Neon and Supabase require TLS)',
        };
      }
      return { message: `not allowed to connect to ${where}: ${text}`, hint: 'check the user name in the URL and the server\'s pg_hba.conf' };
    case '3D000':
      return {
        message: `${text} on ${where}`,
        hint: 'check the database name in the URL path (postgres://user@host:5432/DATABASE); psql -l lists the databases',
      };
    case '53300':
      return { message: `${where} has no free connection slots: ${text}`, hint: 'retry later, or use the connection pooler URL your host provides' };
    case '57P03':
      return { message: `${where} is not accepting connections yet: ${text}`, hint: 'the server is starting up or recovering; retry in a moment' };
  }

  if (text === 'The server does not support SSL connections') {
    return {
      message: `${where} does not support TLS, but sslmode=${target.sslmode} requires it`,
      hint: 'use sslmode=prefer or sslmode=disable for a server without TLS (a local development server), or enable ssl on the server',
    };
  }
  if (TLS_VERIFY_CODES.has(code)) {
    return {
      message: `TLS certificate of ${where} is not trusted (sslmode=${target.sslmode}): ${text}`,
      hint: 'pass the CA bundle with sslrootcert=/path/to/ca.pem, or use sslmode=require to encrypt without verifying the certificate',
    };
  }
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /\b(SSL|TLS)\b/.test(text)) {
    return { message: `TLS connection to ${where} failed: ${text}`, hint: 'check sslmode in the URL and the server\'s TLS setup' };
  }
  if (text === 'timeout expired' || /connection timeout/i.test(text)) {
    return {
      message: `could not connect to ${where} within ${Math.round(target.connectTimeoutMs / 1000)} s`,
      hint: 'check the host and port, firewalls and IP allow lists; raise the limit with ?connect_timeout=SECONDS',
    };
  }
  if (/client password must be a string|password must be a string/i.test(text)) {
    return {
      message: `${where} asks for a password for user "${target.user}", but none was given`,
      hint: 'put the password in the URL (postgres://user:password@host/db) or set PGPASSWORD',
    };
  }
  if (/terminated unexpectedly|Connection terminated/i.test(text)) {
    return {
      message: `${where} closed the connection during startup`,
      hint: 'check the port (is it PostgreSQL?) and sslmode; some hosts require sslmode=require',
    };
  }
  if (/^[0-9A-Z]{5}$/.test(code)) {
    return { message: `could not connect to ${where}: ${text} (SQLSTATE ${code})`, hint: error.hint ?? 'check the database URL' };
  }
  return { message: `could not connect to ${where}: ${text}`, hint: 'check the database URL, the network, and that the server is up' };
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0]!.trim();
}

function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= 3) out = out.split(secret).join('****');
  return out;
}
