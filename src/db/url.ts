import { userInfo } from 'node:os';
import { TenantguardError } from '../errors.js';

/** libpq's sslmode values, with libpq's meaning (see "SSL Support" in the libpq docs). */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** Everything needed to open a live connection, resolved from a URL plus libpq's PG* defaults. */
export interface DatabaseTarget {
  /** Host name, IP address (IPv6 without brackets) or a Unix-socket directory (starts with '/'). */
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  sslmode: SslMode;
  /** CA bundle file for verify-ca/verify-full; 'system' = the platform's trusted CAs. */
  sslrootcert: string | undefined;
  sslcert: string | undefined;
  sslkey: string | undefined;
  /** Passphrase of an encrypted sslkey; a secret, masked like the password. */
  sslpassword: string | undefined;
  /** libpq `options` (e.g. `-c search_path=app`), passed through unchanged. */
  options: string | undefined;
  /**
   * SCRAM channel binding (SCRAM-SHA-256-PLUS over TLS) when the server offers
   * it; libpq's default "prefer". channel_binding=disable turns it off.
   */
  channelBinding: boolean;
  connectTimeoutMs: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

const OMITTED_HOST = 'omitted.invalid';
const URL_SHAPE = 'postgres://user:password@host:5432/database?sslmode=require';
const ENCODING_HINT =
  'percent-encode special characters in the user name and password (@ as %40, : as %3A, / as %2F, # as %23, ? as %3F, % as %25)';

/**
 * Replace the password of a connection URL with `****`, also in URLs too
 * malformed to parse (those are exactly the ones that end up in error
 * messages). When in doubt it masks more, never less.
 */
export function maskUrl(url: string): string {
  let out = url;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(out);
  const start = scheme ? scheme[0].length : 0;
  const rest = out.slice(start);
  // A password may contain unencoded '/', '?', '#' or '@'; the userinfo then
  // ends at the last '@', which is where WHATWG URL parsing would end it too.
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) out = out.slice(0, start) + userinfo.slice(0, colon + 1) + '****' + rest.slice(at);
  } else if (scheme) {
    // No '@': `postgres://user:secret` reads as host:port; a "port" that is
    // not a number is more likely a password (possibly with a '/' in it).
    const authority = rest.split(/[/?#]/, 1)[0]!;
    const colon = authority.indexOf(':');
    if (colon >= 0 && !/^\d*$/.test(authority.slice(colon + 1))) {
      out = out.slice(0, start) + authority.slice(0, colon + 1) + '****';
    }
  }
  return maskSecretParameters(out);
}

/**
 * Names of parameters whose value is a secret: libpq's password and
 * sslpassword (the client key's passphrase), and what other drivers and
 * poolers call theirs (token, secret, api_key, …).
 */
export const SECRET_PARAMETER = /^[a-z_]*(?:password|passwd|pwd|passphrase|secret|token|api_?key|access_?key)[a-z_]*$/i;

/**
 * `sslpassword=****`: every secret parameter of a URL query or a libpq
 * key=value connection string (quoted values included) masked, wherever it
 * appears in `text`.
 */
export function maskSecretParameters(text: string): string {
  return text.replace(/(^|[?&\s;])([a-z_]+)(\s*=\s*)('(?:[^'\\]|\\.)*'|[^&#\s;]*)/gi, (whole, before: string, name: string, equals: string) =>
    SECRET_PARAMETER.test(name) ? `${before}${name}${equals}****` : whole,
  );
}

function malformed(url: string, reason: string, hint = `expected ${URL_SHAPE}; ${ENCODING_HINT}`): TenantguardError {
  return new TenantguardError(`malformed database URL ${maskUrl(url)}: ${reason}`, hint);
}

function decode(part: string, url: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw malformed(url, `invalid percent-encoding in the ${what}`);
  }
}

/** Query parameters, percent-decoded only: libpq does not turn '+' into a space. */
function queryParameters(query: string, url: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq < 0) throw malformed(url, `query parameter "${pair}" has no value`);
    params.set(decode(pair.slice(0, eq), url, 'query'), decode(pair.slice(eq + 1), url, 'query'));
  }
  return params;
}

function sslModeFrom(params: Map<string, string>, env: Record<string, string | undefined>, url: string): SslMode {
  const explicit = params.get('sslmode');
  if (explicit !== undefined) {
    if ((SSL_MODES as readonly string[]).includes(explicit)) return explicit as SslMode;
    throw new TenantguardError(
      `invalid sslmode "${explicit}" in ${maskUrl(url)}`,
      `use one of ${SSL_MODES.join(', ')} (Neon and Supabase need sslmode=require or stricter)`,
    );
  }
  // node-postgres and JDBC spell it ssl=true; both verify the certificate.
  const ssl = params.get('ssl');
  if (ssl !== undefined) {
    if (['true', '1'].includes(ssl)) return 'verify-full';
    if (ssl === 'no-verify') return 'require';
    if (['false', '0'].includes(ssl)) return 'disable';
    throw new TenantguardError(`invalid ssl=${ssl} in ${maskUrl(url)}`, 'use sslmode=require (TLS) or sslmode=verify-full (TLS with certificate check)');
  }
  const fromEnv = env.PGSSLMODE;
  if (fromEnv && (SSL_MODES as readonly string[]).includes(fromEnv)) return fromEnv as SslMode;
  return 'prefer'; // libpq's default
}

function connectTimeoutFrom(params: Map<string, string>, env: Record<string, string | undefined>, url: string): number {
  const text = params.get('connect_timeout') ?? env.PGCONNECT_TIMEOUT;
  if (text === undefined || text === '') return DEFAULT_CONNECT_TIMEOUT_MS;
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 0) throw malformed(url, `connect_timeout must be a whole number of seconds, got "${text}"`);
  // libpq: 0 means wait forever; values below 2 are raised to 2.
  return seconds === 0 ? 0 : Math.max(seconds, 2) * 1000;
}

/**
 * Parse a postgres:// or postgresql:// URL the way libpq reads it: missing
 * parts fall back to PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE.
 * Unknown query parameters (Prisma's `schema`, `connection_limit`, ...) are ignored.
 */
export function parseDatabaseUrl(text: string, env: Record<string, string | undefined> = {}): DatabaseTarget {
  const url = text.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (!scheme) throw malformed(url, 'it does not start with postgres:// or postgresql://');
  if (!['postgres', 'postgresql'].includes(scheme[1]!.toLowerCase())) {
    throw malformed(url, `unsupported scheme "${scheme[1]}://"`);
  }
  const authorityEnd = url.slice(scheme[0].length).search(/[/?#]/);
  const authority = authorityEnd < 0 ? url.slice(scheme[0].length) : url.slice(scheme[0].length, scheme[0].length + authorityEnd);
  const hostPart = authority.slice(authority.lastIndexOf('@') + 1);
  if (hostPart.includes(',')) {
    throw malformed(url, 'several hosts are not supported', 'give the URL of one server (the primary)');
  }

  // libpq accepts an empty host (`postgres://user@/db`, `postgres://:5433/db`);
  // WHATWG URL does not once there is a user or port, so parse with a stand-in.
  const hostOmitted = hostPart === '' || hostPart.startsWith(':');
  const at = scheme[0].length + authority.length - hostPart.length;
  const parseable = hostOmitted ? `${url.slice(0, at)}${OMITTED_HOST}${url.slice(at)}` : url;
  let parsed: URL;
  try {
    parsed = new URL(parseable);
  } catch {
    throw malformed(url, 'it cannot be parsed as a URL');
  }
  const params = queryParameters(parsed.search.slice(1), url);
  if (parsed.hash !== '') throw malformed(url, 'it contains "#" after the host');

  let host = hostOmitted ? '' : decode(parsed.hostname, url, 'host');
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  host = params.get('host') || host || env.PGHOST || 'localhost';

  const portText = params.get('port') || parsed.port || env.PGPORT || '5432';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw malformed(url, `invalid port "${portText}"`);

  const user = params.get('user') || decode(parsed.username, url, 'user name') || env.PGUSER || osUser();
  const password = params.get('password') ?? (parsed.password !== '' ? decode(parsed.password, url, 'password') : env.PGPASSWORD);
  const database = params.get('dbname') || decode(parsed.pathname.replace(/^\//, ''), url, 'database name') || env.PGDATABASE || user;

  return {
    host,
    port,
    user,
    password: password === '' ? undefined : password,
    database,
    sslmode: sslModeFrom(params, env, url),
    sslrootcert: params.get('sslrootcert') || undefined,
    sslcert: params.get('sslcert') || undefined,
    sslkey: params.get('sslkey') || undefined,
    sslpassword: params.get('sslpassword') || undefined,
    options: params.get('options') || undefined,
    channelBinding: (params.get('channel_binding') ?? env.PGCHANNELBINDING) !== 'disable',
    connectTimeoutMs: connectTimeoutFrom(params, env, url),
  };
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'postgres';
  }
}

/** `db.example.com:5432`, `[::1]:5432`, or `socket /var/run/postgresql` */
export function describeEndpoint(target: Pick<DatabaseTarget, 'host' | 'port'>): string {
  if (target.host.startsWith('/')) return `socket ${target.host}/.s.PGSQL.${target.port}`;
  return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

/** For stderr: `database app on db.example.com:5432 as app_user (password masked)`. Never contains the password. */
export function describeTarget(target: DatabaseTarget): string {
  const masked = target.password !== undefined ? ' (password masked)' : '';
  return `database ${target.database} on ${describeEndpoint(target)} as ${target.user}${masked}`;
}
