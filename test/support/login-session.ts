/**
 * A fresh session that logged in as a scenario role — the way the app
 * connects, so ALTER ROLE … SET defaults apply (SET ROLE does not apply them).
 * Server engine only: an embedded instance is one session started as its
 * bootstrap superuser, and its `username` option switches role the way SET
 * ROLE does, without the role's defaults.
 */
import pg from 'pg';
import type { TestDatabase } from './db.js';

export interface Rows {
  rowCount: number | null;
  rows: Record<string, unknown>[];
}

export async function asLogin(db: TestDatabase, role: string, statements: string[]): Promise<Rows> {
  if (!db.url) throw new Error('a login session needs the server engine');
  let last: Rows = { rowCount: 0, rows: [] };
  const url = new URL(db.url);
  url.username = db.role(role);
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    for (const sql of statements) last = await client.query(db.sql(sql));
  } finally {
    await client.end();
  }
  return last;
}
