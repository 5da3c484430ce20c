import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { TenantguardError } from '../errors.js';
import type { DatabaseTarget } from './url.js';

/** What node-postgres takes as `ssl`: no TLS, or TLS with these options. */
export type PgSsl = false | ConnectionOptions;

/**
 * How to connect for a given sslmode, as libpq does it:
 * - disable: plaintext only;
 * - allow: plaintext, then TLS if the server rejects a plaintext connection;
 * - prefer (libpq's default): TLS without verification, then plaintext if the server has no TLS;
 * - require: TLS without certificate verification (with sslrootcert given, libpq verifies the CA);
 * - verify-ca: TLS, certificate must chain to a trusted CA, host name not checked;
 * - verify-full: TLS, certificate chain and host name checked.
 * Trusted CAs are the sslrootcert file, or Node's bundled store when none is given or sslrootcert=system.
 */
export interface TlsPlan {
  first: PgSsl;
  /** A second attempt, made only when `retryWhen` says the first failure calls for it. */
  fallback: { ssl: PgSsl; retryWhen: (error: unknown) => boolean } | null;
}

export function tlsPlan(target: DatabaseTarget): TlsPlan {
  const unverified: ConnectionOptions = { rejectUnauthorized: false, ...clientCertificate(target) };
  switch (target.sslmode) {
    case 'disable':
      return { first: false, fallback: null };
    case 'allow':
      return { first: false, fallback: { ssl: unverified, retryWhen: rejectedWithoutTls } };
    case 'prefer':
      return { first: unverified, fallback: { ssl: false, retryWhen: serverHasNoTls } };
    case 'require':
      return { first: target.sslrootcert ? verifyCa(target) : unverified, fallback: null };
    case 'verify-ca':
      return { first: verifyCa(target), fallback: null };
    case 'verify-full':
      return { first: { rejectUnauthorized: true, ...trustedCas(target), ...clientCertificate(target) }, fallback: null };
  }
}

function verifyCa(target: DatabaseTarget): ConnectionOptions {
  // verify-ca: the chain must be trusted, but any host name is accepted.
  return { rejectUnauthorized: true, checkServerIdentity: () => undefined, ...trustedCas(target), ...clientCertificate(target) };
}

function trustedCas(target: DatabaseTarget): ConnectionOptions {
  if (!target.sslrootcert || target.sslrootcert === 'system') return {};
  return { ca: readSslFile(target.sslrootcert, 'sslrootcert') };
}

function clientCertificate(target: DatabaseTarget): ConnectionOptions {
  return {
    ...(target.sslcert ? { cert: readSslFile(target.sslcert, 'sslcert') } : {}),
    ...(target.sslkey ? { key: readSslFile(target.sslkey, 'sslkey') } : {}),
    ...(target.sslpassword ? { passphrase: target.sslpassword } : {}),
  };
}

function readSslFile(path: string, parameter: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new TenantguardError(
      `cannot read the ${parameter} file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      `${parameter} in the database URL must be the path of a PEM file readable by this process`,
    );
  }
}

/** node-postgres' error when the server answers 'N' to SSLRequest. */
export function serverHasNoTls(error: unknown): boolean {
  return error instanceof Error && error.message === 'The server does not support SSL connections';
}

/** pg_hba.conf has only `hostssl` lines for this client: "... no encryption". */
function rejectedWithoutTls(error: unknown): boolean {
  return (error as { code?: string }).code === '28000' && /no encryption/.test((error as Error).message);
}
