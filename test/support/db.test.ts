import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './db.js';

describe('test databases', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({
      setup: `
        CREATE ROLE app_user;
        CREATE TABLE notes (id int PRIMARY KEY, organization_id text NOT NULL);
        ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
        CREATE POLICY tenant ON notes TO app_user
          USING (organization_id = NULLIF(current_setting('app.current_org_id', true), ''));
        GRANT SELECT ON notes TO app_user;
        INSERT INTO notes VALUES (1, 'a'), (2, 'b');`,
    });
  });
  afterAll(() => db?.close());

  it('namespaces scenario roles', async () => {
    expect(db.role('app_user')).toMatch(/^tg[0-9a-f]{8}_app_user$/);
    const { rows } = await db.client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [db.role('app_user')]);
    expect(rows).toHaveLength(1);
  });

  it('runs queries as a role with a tenant context, rolled back', async () => {
    const seen = await db.asRole('app_user', async (c) => (await c.query('SELECT id FROM notes')).rows, { value: 'a' });
    expect(seen).toEqual([{ id: 1 }]);
    const none = await db.asRole('app_user', async (c) => (await c.query('SELECT id FROM notes')).rows);
    expect(none).toEqual([]);
    const { rows } = await db.client.query('SELECT current_user AS u');
    expect(rows[0].u).not.toBe(db.role('app_user'));
  });
});
