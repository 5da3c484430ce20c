import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations } from '../../../src/db/migrations/apply.js';
import { discoverMigrations } from '../../../src/db/migrations/discover.js';
import { MigrationError } from '../../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Files are sent as one batch when they can be; the result must be what running them statement by statement gives. */
describe('applyMigrations in batches', () => {
  let db: TestDatabase;
  const tmp: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.close();
    await Promise.all(tmp.map((d) => rm(d, { recursive: true, force: true })));
  });
  beforeEach(async () => {
    await db.client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  });

  async function folder(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'tenantguard-batches-'));
    tmp.push(dir);
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return dir;
  }

  async function apply(dir: string): Promise<MigrationError | null> {
    return applyMigrations(db.client, await discoverMigrations(dir, root)).then(() => null, (e: unknown) => e as MigrationError);
  }

  async function tables(): Promise<string[]> {
    const { rows } = await db.client.query<{ name: string }>(
      `SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  }

  it('commits the statements before a failure in the same file, and reports the failing line', async () => {
    const dir = await folder({
      '001.sql': 'CREATE TABLE a (id int);\nCREATE TABLE b (id int);\nCREATE TABLE c (id int REFERENCES nowhere);\nCREATE TABLE d (id int);\n',
    });
    const error = await apply(dir);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ line: 3 });
    expect(error!.message).toMatch(/001\.sql:3: relation "nowhere" does not exist$/);
    expect(await tables()).toEqual(['a', 'b']);
  });

  it('checks a deferred constraint after each statement, as each statement\'s own commit does', async () => {
    const dir = await folder({
      '001.sql': `CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (parent_id int REFERENCES parent DEFERRABLE INITIALLY DEFERRED);
INSERT INTO child VALUES (1);
INSERT INTO parent VALUES (1);
`,
    });
    const error = await apply(dir);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ line: 3 });
    expect(error!.message).toContain('violates foreign key constraint');
  });

  it('runs statements that cannot run in a transaction block, one by one', async () => {
    const dir = await folder({
      '001.sql': 'CREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY a_id_idx ON a (id);\nCREATE TABLE b (id int);\n',
    });
    expect(await apply(dir)).toBeNull();
    expect(await tables()).toEqual(['a', 'b']);
    const { rows } = await db.client.query(`SELECT indexrelid::regclass::text AS name FROM pg_index WHERE indrelid = 'a'::regclass`);
    expect(rows).toEqual([{ name: 'a_id_idx' }]);
  });

  it('keeps a file\'s own BEGIN … ROLLBACK, and runs later files inside a transaction a file left open', async () => {
    const dir = await folder({
      '001.sql': 'CREATE TABLE kept (id int);\nBEGIN;\nCREATE TABLE undone (id int);\nROLLBACK;\n',
      '002.sql': 'BEGIN;\nCREATE TABLE opened (id int);\n',
      // Inside the transaction 002 left open: a failure here must not roll back "opened" on its own
      // and replay this file outside it; the error is the one the open transaction gives.
      '003.sql': 'CREATE TABLE later (id int);\nLOCK TABLE later IN ACCESS EXCLUSIVE MODE;\nCOMMIT;\n',
      '004.sql': 'LOCK TABLE kept;\nCREATE TABLE never (id int);\n',
    });
    const error = await apply(dir);
    // LOCK TABLE outside a transaction block is an error when the statement runs on its own.
    expect(error).toBeInstanceOf(MigrationError);
    expect(error!.message).toMatch(/004\.sql:1: LOCK TABLE can only be used in transaction blocks$/);
    expect(await tables()).toEqual(['kept', 'later', 'opened']);
  });
});
