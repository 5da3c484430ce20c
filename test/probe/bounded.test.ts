/**
 * The probe touches only its own rows: on a 100,000-row table that leaks every
 * write (row level security off), the row versions it creates and the row
 * triggers it fires stay a small constant, and the table does not grow —
 * whatever the table's size. The triggers count their calls with a sequence,
 * which a rollback does not undo.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect } from '../../src/catalog/introspect.js';
import { buildRuleContext } from '../../src/check/context.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { probeDatabase, type ProbeReport } from '../../src/probe/probe.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const ROWS = 100_000;
/** Row versions and trigger calls one table may cost the probe (it needs about a dozen). */
const PER_TABLE = 50;
const PAGE = 8192;

const SCHEMA = `
CREATE ROLE app_user;
CREATE TABLE organizations (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
INSERT INTO organizations (name) VALUES ('one'), ('two');
-- Row level security off: every write of the app role reaches every organization's rows.
CREATE TABLE events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_id uuid NOT NULL,
  payload text NOT NULL
);
-- Before the triggers exist: they count the probe's calls only.
INSERT INTO events (organization_id, payload)
  SELECT CASE WHEN g % 2 = 0 THEN o.one ELSE o.two END, 'existing event ' || g
  FROM generate_series(1, ${ROWS}) g,
       (SELECT min(id::text)::uuid AS one, max(id::text)::uuid AS two FROM organizations) o;
-- Checked once for the whole table rather than row by row.
ALTER TABLE events ADD FOREIGN KEY (organization_id) REFERENCES organizations;
CREATE SEQUENCE trigger_calls;
CREATE FUNCTION count_call() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM nextval('public.trigger_calls'); RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END; END $$;
CREATE TRIGGER count_before BEFORE INSERT OR UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION count_call();
CREATE TRIGGER count_after AFTER INSERT OR UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION count_call();
GRANT SELECT, INSERT, UPDATE, DELETE ON organizations, events TO app_user;
GRANT USAGE ON SEQUENCE trigger_calls TO app_user;
`;

interface Usage {
  updatedOrDeleted: number;
  triggerCalls: number;
  bytes: number;
}

describe('the probe on a large leaky table', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let report: ProbeReport;
  let before: Usage;
  let after: Usage;

  async function usage(): Promise<Usage> {
    // Statistics reach shared memory when a backend goes idle: flush this one's, then read afresh.
    await db.client.query('SELECT pg_stat_force_next_flush()');
    await db.client.query('SELECT 1');
    const { rows } = await db.client.query(`SELECT pg_stat_clear_snapshot(),
      (SELECT n_tup_upd + n_tup_del FROM pg_stat_user_tables WHERE relid = 'events'::regclass)::int AS changed,
      (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM trigger_calls)::int AS calls,
      pg_relation_size('events')::int AS bytes`);
    return { updatedOrDeleted: rows[0].changed, triggerCalls: rows[0].calls, bytes: rows[0].bytes };
  }

  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCHEMA });
    await db.client.query('VACUUM ANALYZE events');
    const config = { ...DEFAULT_CONFIG, appRole: db.role('app_user'), schemas: ['public'] };
    const context = await buildRuleContext(await introspect(db.client, { schemas: ['public'] }), config);
    before = await usage();
    report = await probeDatabase(db.client, context, { statementTimeoutMs: 30_000, lockTimeoutMs: 2_000, nonce: 'bounded', tables: ['events'] });
    after = await usage();
  });
  afterAll(() => db?.close());

  it('still finds every write leak', () => {
    expect(report.tablesProbed).toBe(1);
    expect(new Set(report.leaks.filter((l) => l.kind === 'write').map((l) => l.check))).toEqual(
      new Set(['update-other-org', 'delete-other-org', 'insert-for-other-org', 'move-to-other-org']),
    );
  });

  it('creates a small constant number of row versions, not one per row', () => {
    expect(after.updatedOrDeleted - before.updatedOrDeleted).toBeGreaterThan(0);
    expect(after.updatedOrDeleted - before.updatedOrDeleted).toBeLessThan(PER_TABLE);
  });

  it('fires the row triggers a small constant number of times', () => {
    expect(after.triggerCalls - before.triggerCalls).toBeGreaterThan(0);
    expect(after.triggerCalls - before.triggerCalls).toBeLessThan(PER_TABLE);
  });

  it('leaves the table the size it was, within a page or two', () => {
    expect(after.bytes - before.bytes).toBeLessThanOrEqual(2 * PAGE);
  });
});
