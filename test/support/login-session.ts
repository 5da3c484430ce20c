/**
 * A fresh session that logged in as a scenario role — the way the app
 * connects, so ALTER ROLE … SET defaults apply (SET ROLE does not apply them).
 * Server engine: a new connection as the role. Embedded engine (one session
 * per instance): the scenario is rebuilt and reopened as the role.
 */
import pg from 'pg';
import type { TestDatabase } from './db.js';

export interface Rows {
  rowCount: number | null;
  rows: Record<string, unknown>[];
}

export async function asLogin(db: TestDatabase, setup: string, role: string, statements: string[]): Promise<Rows> {
  let last: Rows = { rowCount: 0, rows: [] };
  if (db.url) {
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
  const { PGlite } = await import('@electric-sql/pglite');
  const build = new PGlite();
  await build.exec(db.sql(setup));
  const dump = await build.dumpDataDir('none');
  await build.close();
  const session = new PGlite({ loadDataDir: dump, username: db.role(role) });
  try {
    for (const sql of statements) {
      const r = await session.query<Record<string, unknown>>(db.sql(sql));
      last = { rowCount: r.affectedRows ?? r.rows.length, rows: r.rows };
    }
  } finally {
    await session.close();
  }
  return last;
}
