/**
 * The round trip on the realistic schemas of fixtures/scenarios: for each one
 * with something to fix, scaffold → apply → the audit no longer reports an
 * error or warning of the rules the scaffold fixes; applying again changes
 * nothing; every leak of leaks.json that belongs to those rules is closed
 * (the same query, as the same role, no longer reaches another tenant); and
 * the tenants of leaks.json still see their own rows and can write them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantguardError } from '../../src/errors.js';
import { appRoleCandidates } from '../../src/scaffold/migration/app-role.js';
import { RULES_FIXED_BY_SCAFFOLD } from '../../src/scaffold/migration/types.js';
import { quoteIdent, quoteQualified } from '../../src/sql/quote.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { audit, comparable, scaffold, type Audited, type Scaffolded } from './support.js';

const ROOT = new URL('../../fixtures/scenarios/', import.meta.url);
const SCENARIOS = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(new URL(`${d.name}/schema.sql`, ROOT)))
  .map((d) => d.name)
  .sort();

interface Leak {
  rule: string;
  object: string;
  role: string;
  settings?: Record<string, string>;
  sql: string[];
  expect: 'other-tenant' | 'writes' | 'isolated';
  tenant?: string;
}

const read = <T>(name: string, file: string, fallback: T): T => {
  const url = new URL(`${name}/${file}`, ROOT);
  return existsSync(url) ? (JSON.parse(readFileSync(url, 'utf8')) as T) : fallback;
};

/** Runs `sql` as the leak's role with its settings, in a transaction that is rolled back. */
async function asLeakRole<T>(db: TestDatabase, leak: Leak, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  await db.client.query('BEGIN');
  try {
    for (const [name, value] of Object.entries(leak.settings ?? {})) {
      await db.client.query('SELECT set_config($1, $2, true)', [name, value]);
    }
    await db.client.query(`SET LOCAL ROLE ${quoteIdent(db.role(leak.role))}`);
    return await fn(db.client);
  } finally {
    await db.client.query('ROLLBACK');
  }
}

const fixable = (a: Audited) => a.findings.filter((f) => RULES_FIXED_BY_SCAFFOLD.includes(f.rule) && f.severity !== 'info');

describe.each(SCENARIOS)('scaffold migration round trip: fixtures/scenarios/%s', (name) => {
  const leaks = read<Leak[]>(name, 'leaks.json', []);
  const configFile = read<{ appRole?: string; tenantColumn?: string; contextSetting?: string }>(name, 'config.json', {});
  let db: TestDatabase;
  let config: { appRole: string; tenantColumn?: string; contextSetting?: string } | null = null;
  let before: Audited;
  let scaffolded: Scaffolded | null = null;
  let after: Audited;

  beforeAll(async () => {
    db = await createTestDatabase({ setup: readFileSync(new URL(`${name}/schema.sql`, ROOT), 'utf8') });
    const probe = await audit(db, { ...configFile, appRole: configFile.appRole ? db.role(configFile.appRole) : null });
    const appRole = configFile.appRole ? db.role(configFile.appRole) : appRoleCandidates(probe.catalog, probe.context.tenancy)[0];
    if (!appRole) return; // no tenant tables anyone reaches: nothing for a migration to protect
    config = { ...configFile, appRole };
    before = await audit(db, config);
    try {
      scaffolded = await scaffold(before);
    } catch (error) {
      if (!(error instanceof TenantguardError) || !/nothing to scaffold/.test(error.message)) throw error;
      return;
    }
    await db.client.query(scaffolded.sql);
    after = await audit(db, config);
  });
  afterAll(() => db?.close());

  it('scaffolds exactly when the audit found something it fixes', () => {
    if (config === null) return;
    if (scaffolded === null) expect(fixable(before)).toEqual([]);
    else expect(scaffolded.plan.steps.length).toBeGreaterThan(0);
  });

  it('leaves no error or warning of the rules it fixes', () => {
    if (scaffolded === null) return;
    expect(fixable(after).map((f) => `${f.rule} ${f.object.schema}.${f.object.name}: ${f.message}`)).toEqual([]);
  });

  it('is a no-op when applied again', async () => {
    if (scaffolded === null) return;
    await db.client.query(scaffolded.sql).catch(async (error) => {
      await db.client.query('ROLLBACK');
      throw error;
    });
    const ownRole = (role: string) => role.startsWith(db.role(''));
    expect(comparable((await audit(db, config!)).catalog, ownRole)).toEqual(comparable(after.catalog, ownRole));
  });

  it('closes the leaks of the rules it fixes', async () => {
    if (scaffolded === null) return;
    // Leaks of rules whose fix SQL was only collected are the business of those rules' tests.
    const fixedRules = new Set(scaffolded.plan.findings.map((f) => f.rule).filter((r) => RULES_FIXED_BY_SCAFFOLD.includes(r)));
    for (const leak of leaks.filter((l) => l.expect !== 'isolated' && fixedRules.has(l.rule))) {
      const outcome = await asLeakRole(db, leak, async (c) => {
        let last: pg.QueryResult | null = null;
        try {
          for (const sql of leak.sql) last = await c.query(sql);
        } catch (error) {
          return { refused: (error as { code?: string }).code };
        }
        return { rows: last!.rows.map((r) => Object.values(r)[0]), rowCount: last!.rowCount };
      });
      if ('refused' in outcome) {
        expect(outcome.refused, `${leak.rule} ${leak.object}`).toBe('42501');
      } else if (leak.expect === 'writes') {
        expect(outcome.rowCount, `${leak.rule} ${leak.object}`).toBe(0);
      } else {
        expect(outcome.rows.every((v) => String(v) === leak.tenant), `${leak.rule} ${leak.object}`).toBe(true);
      }
    }
  });

  it("lets the tenants still see and write their own rows", async () => {
    if (scaffolded === null) return;
    const identities = leaks.filter((l) => l.tenant !== undefined && !('app.is_superadmin' in (l.settings ?? {})));
    const found = identities[0];
    if (!found) return;
    // An app without RLS sets no tenant yet; with the scaffold it starts to (withRLS), unless its policies borrow another context.
    const setting = config!.contextSetting ?? 'app.current_org_id';
    const borrowing = scaffolded.plan.steps.some((s) => s.kind === 'tenant-policy' && s.predicate.borrowed !== null);
    const identity: Leak = borrowing ? found : { ...found, settings: { [setting]: found.tenant!, ...found.settings } };
    const column = config!.tenantColumn ?? 'organization_id';
    for (const table of scaffolded.plan.tables) {
      const qualified = quoteQualified(table.schema, table.name);
      const seen = await asLeakRole(db, identity, async (c) => (await c.query(`SELECT ${quoteIdent(column)} AS t FROM ${qualified}`)).rows);
      expect(seen.length, `${table.name}: rows of ${identity.tenant}`).toBeGreaterThan(0);
      expect(new Set(seen.map((r) => String(r.t))), table.name).toEqual(new Set([identity.tenant]));
      // The WITH CHECK that guards INSERT is the one an UPDATE of the own rows passes through.
      const updated = await asLeakRole(db, identity, async (c) => {
        const canUpdate = await c.query(`SELECT has_table_privilege(${`'${qualified.replace(/'/g, "''")}'`}, 'UPDATE') AS ok`);
        if (!canUpdate.rows[0].ok) return null;
        return (await c.query(`UPDATE ${qualified} SET ${quoteIdent(column)} = ${quoteIdent(column)}`)).rowCount;
      });
      if (updated !== null) expect(updated, `${table.name}: own rows writable`).toBe(seen.length);
    }
    for (const leak of leaks.filter((l) => l.expect === 'isolated')) {
      const rows = await asLeakRole(db, leak, async (c) => {
        let last: pg.QueryResult | null = null;
        for (const sql of leak.sql) last = await c.query(sql);
        return last!.rows.map((r) => String(Object.values(r)[0]));
      });
      expect(rows.length, leak.object).toBeGreaterThan(0);
      expect(new Set(rows), leak.object).toEqual(new Set([leak.tenant]));
    }
  });
});
