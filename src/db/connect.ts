import pg from 'pg';
import { toConnectionError } from './connection-errors.js';
import { tlsPlan, type PgSsl } from './ssl.js';
import type { DatabaseTarget } from './url.js';

export const APPLICATION_NAME = 'tenantguard';

/**
 * Open a live connection: application_name=tenantguard (visible in
 * pg_stat_activity) and the URL's sslmode honoured the way libpq does. Any
 * failure becomes a one-line ConnectionError without the password. Nothing
 * is sent on it until a transaction is opened (transaction.ts).
 */
export async function connectLive(target: DatabaseTarget): Promise<pg.Client> {
  const plan = tlsPlan(target);
  let client: pg.Client;
  try {
    client = await connectOnce(target, plan.first);
  } catch (error) {
    if (!plan.fallback?.retryWhen(error)) throw toConnectionError(error, target);
    try {
      client = await connectOnce(target, plan.fallback.ssl);
    } catch (retryError) {
      throw toConnectionError(retryError, target);
    }
  }
  return client;
}

async function connectOnce(target: DatabaseTarget, ssl: PgSsl): Promise<pg.Client> {
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ssl,
    options: target.options,
    enableChannelBinding: target.channelBinding,
    application_name: APPLICATION_NAME,
    connectionTimeoutMillis: target.connectTimeoutMs,
  });
  // A connection lost while idle is reported as an 'error' event; without a
  // listener Node would crash with a stack trace. The next query fails anyway.
  client.on('error', () => {});
  await client.connect();
  return client;
}
