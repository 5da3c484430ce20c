import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beginTransactionSql, connection, withReadOnlyTransaction, withTransaction, type Connection } from '../../src/db/transaction.js';
import { TenantguardError, UsageError } from '../../src/errors.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/db.js';

describe('transactions opened by tenantguard', () => {
  let db: TestDatabase;
  let conn: Connection;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: `CREATE TABLE notes (id int PRIMARY KEY); INSERT INTO notes VALUES (1);` });
    conn = connection(db.client, { statementTimeoutMs: 1234, lockTimeoutMs: 567 });
  });
  afterAll(() => db?.close());

  const inTransaction = async () =>
    (await db.client.query<{ open: boolean }>(`SELECT now() <> statement_timestamp() AS open`)).rows[0]!.open;
  const sessionSettings = async () =>
    (await db.client.query(`SELECT current_setting('search_path') AS p, current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l`)).rows[0];

  it('runs fn in a READ ONLY transaction and returns its result', async () => {
    const seen = await withReadOnlyTransaction(conn, async (c) => {
      const { rows } = await c.query(`SELECT current_setting('transaction_read_only') AS ro, count(*)::int AS n FROM public.notes`);
      return rows[0];
    });
    expect(seen).toEqual({ ro: 'on', n: 1 });
    expect(await inTransaction()).toBe(false);
  });

  it('lets Postgres refuse every write, and rethrows its error after rolling back', async () => {
    for (const write of ['INSERT INTO public.notes VALUES (2)', 'CREATE TABLE public.t (id int)', 'UPDATE public.notes SET id = 3', 'TRUNCATE public.notes']) {
      const error = await withReadOnlyTransaction(conn, (c) => c.query(write)).then(() => null, (e: unknown) => e);
      expect(error).toMatchObject({ code: '25006' }); // read_only_sql_transaction
    }
    // The connection is usable again (not left in an aborted transaction) and nothing changed.
    const { rows } = await db.client.query(`SELECT count(*)::int AS n, to_regclass('t') IS NULL AS no_t FROM notes`);
    expect(rows[0]).toEqual({ n: 1, no_t: true });
  });

  it('always rolls back, read-write transactions too, and whatever the transaction changed', async () => {
    // A session-level SET inside a transaction survives COMMIT but not ROLLBACK.
    await withReadOnlyTransaction(conn, (c) => c.query(`SELECT set_config('app.current_org_id', 'leaked', false)`));
    const { rows } = await db.client.query(`SELECT current_setting('app.current_org_id', true) AS v`);
    expect(rows[0].v ?? '').toBe('');
    await withTransaction(conn, 'read write', (c) => c.query('INSERT INTO public.notes VALUES (2)'));
    expect((await db.client.query('SELECT count(*)::int AS n FROM notes')).rows[0].n).toBe(1);
    expect(await inTransaction()).toBe(false);
  });

  it('pins search_path and applies the limits for the transaction only', async () => {
    const before = await sessionSettings();
    for (const access of ['read only', 'read write'] as const) {
      const inside = await withTransaction(conn, access, async () => sessionSettings());
      expect(inside).toEqual({ p: 'pg_catalog, pg_temp', s: '1234ms', l: '567ms' });
    }
    expect(await sessionSettings()).toEqual(before);
  });

  it('sets search_path in the BEGIN round trip, before any other statement', () => {
    const statements = beginTransactionSql('read only', { statementTimeoutMs: 0, lockTimeoutMs: 10 }).split('; ');
    expect(statements).toEqual([
      'BEGIN TRANSACTION READ ONLY',
      'SET LOCAL search_path = pg_catalog, pg_temp',
      "SET LOCAL statement_timeout = '0'",
      "SET LOCAL lock_timeout = '10'",
    ]);
  });

  it('refuses limits that are not whole milliseconds ≥ 0', () => {
    expect(() => connection(db.client, { statementTimeoutMs: -1, lockTimeoutMs: 0 })).toThrow(UsageError);
    expect(() => connection(db.client, { statementTimeoutMs: 1.5, lockTimeoutMs: 0 })).toThrow(UsageError);
  });

  // PGlite has no timer interrupts: it accepts statement_timeout but never fires it (the
  // embedded engine's host enforces it instead).
  it.skipIf(!serverUrl)('enforces the statement timeout on a server', async () => {
    const short = connection(db.client, { statementTimeoutMs: 200, lockTimeoutMs: 200 });
    const error = await withReadOnlyTransaction(short, (c) => c.query('SELECT pg_catalog.pg_sleep(3)')).then(() => null, (e: unknown) => e);
    // query_canceled (57014), as one line that names the limit
    expect(error).toBeInstanceOf(TenantguardError);
    expect((error as Error).message).toBe('a statement ran longer than the statement timeout (200 ms) and was cancelled');
    expect((error as { cause?: { code?: string } }).cause?.code).toBe('57014');
  });
});
