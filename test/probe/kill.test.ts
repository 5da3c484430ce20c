/**
 * A probe killed mid-run leaves every table as it was: the real CLI
 * (bin/tenantguard.js) is started, killed once it has written inside its
 * transaction — with SIGINT (it rolls back and exits 2) and with SIGKILL (the
 * server rolls back when the connection drops) — and every table's row count
 * is compared. Server engine only: the CLI needs a database URL to connect to.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engine, type TestDatabase } from '../support/db.js';

const BIN = fileURLToPath(new URL('../../bin/tenantguard.js', import.meta.url));
const TABLES = 150;
const TENANT = "organization_id = (SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid)";

function schema(): string {
  const parts = ['CREATE ROLE app_user;', 'CREATE TABLE organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);'];
  parts.push("INSERT INTO organizations (name) VALUES ('existing one'), ('existing two');");
  for (let i = 0; i < TABLES; i++) {
    const t = `items_${i}`;
    parts.push(`CREATE TABLE ${t} (id serial PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations, name text NOT NULL);
      ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY; ALTER TABLE ${t} FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant ON ${t} TO app_user USING (${TENANT}) WITH CHECK (${TENANT});
      GRANT SELECT, INSERT, UPDATE, DELETE ON ${t} TO app_user; GRANT USAGE ON SEQUENCE ${t}_id_seq TO app_user;
      INSERT INTO ${t} (organization_id, name) SELECT id, 'existing' FROM organizations;`);
  }
  return parts.join('\n');
}

describe.skipIf(engine === 'embedded')('probe killed mid-run (server engine: the CLI connects by URL)', () => {
  let db: TestDatabase;

  const rowCounts = async () => {
    const union = Array.from({ length: TABLES }, (_, i) => `SELECT 'items_${i}' AS t, count(*)::int AS n FROM items_${i}`).join(' UNION ALL ');
    const { rows } = await db.client.query(`${union} UNION ALL SELECT 'organizations', count(*)::int FROM organizations`);
    return Object.fromEntries(rows.map((r) => [r.t, r.n]));
  };

  /** The probe's backend once it holds a transaction id, i.e. has written inside its transaction. */
  const writingBackend = async () => {
    const { rows } = await db.client.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'tenantguard' AND backend_xid IS NOT NULL`,
      [db.name],
    );
    return rows.length > 0;
  };
  const probeBackends = async () =>
    (await db.client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'tenantguard'`, [db.name])).rows[0].n;

  beforeAll(async () => {
    db = await createTestDatabase({ setup: schema() });
  }, 120_000);
  afterAll(() => db?.close());

  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    it(`${signal}: every table keeps its rows`, async () => {
      const before = await rowCounts();
      const { execa } = await import('execa');
      const child = execa(process.execPath, [BIN, 'probe', '--db', db.url!, '--app-role', db.role('app_user'), '--format', 'json'], {
        reject: false,
        env: { NO_COLOR: '1' },
      });
      const deadline = Date.now() + 60_000;
      while (!(await writingBackend())) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error('the probe never started writing');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      child.kill(signal);
      const run = await child;
      if (signal === 'SIGINT') {
        expect(run.exitCode).toBe(2);
        expect(run.stderr).toContain('tenantguard: probe interrupted; its transaction was rolled back');
      } else {
        expect(run.signal).toBe('SIGKILL');
      }
      while ((await probeBackends()) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await rowCounts()).toEqual(before);
    }, 120_000);
  }

  it('a complete run keeps every table\'s rows too', async () => {
    const before = await rowCounts();
    const { execa } = await import('execa');
    const run = await execa(process.execPath, [BIN, 'probe', '--db', db.url!, '--app-role', db.role('app_user'), '--format', 'json'], { reject: false });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).findings).toEqual([]);
    expect(run.stderr).toContain(`Probed ${TABLES} tenant tables as ${db.role('app_user')}; rolled back`);
    expect(await rowCounts()).toEqual(before);
  }, 120_000);
});
