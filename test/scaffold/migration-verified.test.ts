/**
 * Verified output on every scenario and idiom fixture: the migration the
 * scaffold plans (default shape: behaviour-changing steps held for review) is
 * applied to the fixture in a rolled-back transaction and audited again.
 * Every finding its header claims must be gone, and the tenant must still read
 * and write a seeded row of its own in every table it could before.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connection } from '../../src/db/transaction.js';
import { TenantguardError } from '../../src/errors.js';
import { appRoleCandidates } from '../../src/scaffold/migration/app-role.js';
import { verifyMigration, type Verification } from '../../src/scaffold/migration/verify.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { listFixtures, readFixture } from '../support/fixture-suite.js';
import { audit, scaffold } from './support.js';

const ROOTS = {
  scenarios: new URL('../../fixtures/scenarios/', import.meta.url),
  idioms: new URL('../../fixtures/idioms/', import.meta.url),
};
const CASES = (Object.keys(ROOTS) as (keyof typeof ROOTS)[]).flatMap((kind) => listFixtures(ROOTS[kind]).map((name) => ({ kind, name })));
/**
 * Findings the plan claims that the copy still shows, per fixture, with the
 * reason: the rule's fix SQL resolves only part of what the finding names.
 * The command leaves them out of the header and exits 1; this list is a
 * ratchet (a fixture that starts to verify cleanly must be removed).
 */
const KNOWN_UNFIXED: Record<string, { findings: string[]; reason: string }> = {
  'scenarios/g-bypass-surfaces': {
    findings: ['materialized-view-exposes-tenant project_counts', 'security-definer-function rename_project'],
    reason: "REVOKE SELECT from the app role leaves the view's other grant path; pinning the search_path leaves the function writing around RLS",
  },
};

const LIMITS = { statementTimeoutMs: 60_000, lockTimeoutMs: 10_000 };

const results = new Map<string, { verification: Verification; claimed: number } | 'nothing to scaffold'>();
let dbs: TestDatabase[] = [];

beforeAll(async () => {
  for (const { kind, name } of CASES) {
    const fixture = readFixture(ROOTS[kind], name);
    const db = await createTestDatabase({ setup: fixture.schema });
    dbs.push(db);
    const overrides = fixture.config as { appRole?: string };
    const probe = await audit(db, { ...fixture.config, appRole: overrides.appRole ? db.role(overrides.appRole) : null });
    const appRole = overrides.appRole ? db.role(overrides.appRole) : appRoleCandidates(probe.catalog, probe.context.tenancy)[0];
    if (!appRole) {
      results.set(`${kind}/${name}`, 'nothing to scaffold');
      await db.close();
      continue;
    }
    const before = await audit(db, { ...fixture.config, appRole });
    try {
      const { plan, statements } = await scaffold(before, null, []);
      const verification = await verifyMigration({ connection: connection(db.client, LIMITS), statements, plan, before });
      results.set(`${kind}/${name}`, { verification, claimed: plan.findings.length });
    } catch (error) {
      if (!(error instanceof TenantguardError) || !/nothing to scaffold|none of the selected/.test(error.message)) throw error;
      results.set(`${kind}/${name}`, 'nothing to scaffold');
    }
    await db.close();
  }
  dbs = [];
}, 900_000);
afterAll(async () => {
  for (const db of dbs) await db.close();
});

describe.each(CASES)('verified scaffold: fixtures/$kind/$name', ({ kind, name }) => {
  it('claims only findings that are gone once applied, and keeps the tenant its own rows', () => {
    const result = results.get(`${kind}/${name}`)!;
    if (result === 'nothing to scaffold') return;
    const { verification } = result;
    const known = KNOWN_UNFIXED[`${kind}/${name}`];
    expect(verification.notFixed.map((f) => `${f.rule} ${f.object.name}`).sort()).toEqual(known?.findings ?? []);
    expect(verification.regressions).toEqual([]);
    expect(verification.fixed.length + verification.notFixed.length).toBe(result.claimed);
  });
});

describe('verified scaffold suite', () => {
  it('scaffolds most fixtures', () => {
    const scaffolded = [...results.values()].filter((r) => r !== 'nothing to scaffold');
    expect(scaffolded.length).toBeGreaterThan(CASES.length / 2);
  });
});

describe('verification of own-row access', () => {
  it('reports a migration that takes away what the tenant could do', async () => {
    const schema = readFileSync(new URL('../../fixtures/scaffold/real-app/schema.sql', import.meta.url), 'utf8');
    const db = await createTestDatabase({ setup: schema });
    try {
      const before = await audit(db, { appRole: db.role('app_user') });
      const { plan, statements } = await scaffold(before, null, []);
      const table = plan.tables[0]!;
      const revoke = `REVOKE UPDATE ON "${table.schema}"."${table.name}" FROM ${db.role('app_user')}`;
      const verification = await verifyMigration({ connection: connection(db.client, LIMITS), statements: [...statements, revoke], plan, before });
      expect(verification.regressions).toEqual([`${table.schema}.${table.name}: the tenant's own row is no longer writable (42501: permission denied for table ${table.name})`]);
    } finally {
      await db.close();
    }
  }, 120_000);
});
