import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withReadOnlyTransaction } from '../../src/db/read-only.js';
import { rememberTransactionLimits, transactionLimitsSql } from '../../src/db/transaction-limits.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/db.js';

describe('withReadOnlyTransaction', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: `CREATE TABLE notes (id int PRIMARY KEY); INSERT INTO notes VALUES (1);` });
  });
  afterAll(() => db?.close());

  const inTransaction = async () =>
    (await db.client.query<{ open: boolean }>(`SELECT now() <> statement_timestamp() AS open`)).rows[0]!.open;

  it('runs fn in a READ ONLY transaction and returns its result', async () => {
    const seen = await withReadOnlyTransaction(db.client, async (c) => {
      const { rows } = await c.query(`SELECT current_setting('transaction_read_only') AS ro, count(*)::int AS n FROM notes`);
      return rows[0];
    });
    expect(seen).toEqual({ ro: 'on', n: 1 });
    expect(await inTransaction()).toBe(false);
  });

  it('lets Postgres refuse every write, and rethrows its error after rolling back', async () => {
    for (const write of ['INSERT INTO notes VALUES (2)', 'CREATE TABLE t (id int)', 'UPDATE notes SET id = 3', 'TRUNCATE notes']) {
      const error = await withReadOnlyTransaction(db.client, (c) => c.query(write)).then(() => null, (e: unknown) => e);
      expect(error).toMatchObject({ code: '25006' }); // read_only_sql_transaction
    }
    // The connection is usable again (not left in an aborted transaction) and nothing changed.
    const { rows } = await db.client.query(`SELECT count(*)::int AS n, to_regclass('t') IS NULL AS no_t FROM notes`);
    expect(rows[0]).toEqual({ n: 1, no_t: true });
  });

  it('always rolls back, even what a read-only transaction may change', async () => {
    // A session-level SET inside a transaction survives COMMIT but not ROLLBACK.
    await withReadOnlyTransaction(db.client, (c) => c.query(`SELECT set_config('app.current_org_id', 'leaked', false)`));
    const { rows } = await db.client.query(`SELECT current_setting('app.current_org_id', true) AS v`);
    expect(rows[0].v ?? '').toBe('');
    expect(await inTransaction()).toBe(false);
  });

  it('applies the statement and lock timeouts a connection was opened with, for the transaction only', async () => {
    expect(transactionLimitsSql(db.client)).toBe('');
    const before = (await db.client.query(`SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l`)).rows[0];
    rememberTransactionLimits(db.client, { statementTimeoutMs: 1234, lockTimeoutMs: 567 });
    const inside = await withReadOnlyTransaction(db.client, async (c) =>
      (await c.query(`SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l`)).rows[0],
    );
    expect(inside).toEqual({ s: '1234ms', l: '567ms' });
    const after = (await db.client.query(`SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l`)).rows[0];
    expect(after).toEqual(before);
    expect(() => rememberTransactionLimits(db.client, { statementTimeoutMs: -1, lockTimeoutMs: 0 })).toThrow(RangeError);
  });

  // PGlite has no timer interrupts: it accepts statement_timeout but never fires it.
  // The limits are only set on live connections, where the server enforces them.
  it.skipIf(!serverUrl)('enforces the statement timeout on a server', async () => {
    rememberTransactionLimits(db.client, { statementTimeoutMs: 200, lockTimeoutMs: 200 });
    const error = await withReadOnlyTransaction(db.client, (c) => c.query('SELECT pg_sleep(3)')).then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ code: '57014' }); // query_canceled: canceling statement due to statement timeout
  });
});
