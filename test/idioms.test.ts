/**
 * The real-world idiom suite (fixtures/idioms/<NN-slug>): isolation designs
 * learned from public multi-tenant projects (docs/idioms.md), each rewritten as
 * a minimal schema. A well-built idiom must produce no error; a leaky one
 * exactly the errors in its expected.json. Either way leaks.json proves the
 * verdict with queries as the app's roles: each expected error by a query that
 * reaches another tenant's rows, each well-built idiom by reads and writes that
 * stay inside the caller's tenant. The proofs test Postgres, so they must pass
 * whatever the audit says; the audit's verdicts are ratcheted by
 * idioms.known-gaps.ts. Scoring (and `npm run accuracy`): test/support/accuracy.js.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../src/check/types.js';
import { compareIdiom } from './support/accuracy.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { wordingReport } from './support/wording.js';
import { asExpected, assertErrorsHaveProofs, auditFixture, listFixtures, readFixture, runLeakCheck, type LeakCheck } from './support/fixture-suite.js';
import { KNOWN_GAPS } from './idioms.known-gaps.js';

const ROOT = new URL('../fixtures/idioms/', import.meta.url);
const idioms = listFixtures(ROOT);

const WRITE = /^\s*(insert|update|delete)\b/i;
const isWriteCheck = (l: LeakCheck) => l.expect === 'rejected' || l.sql.some((s) => WRITE.test(s));
const isReadCheck = (l: LeakCheck) => l.expect === 'isolated' && !l.sql.some((s) => WRITE.test(s));

describe('idiom suite', () => {
  it('has at least 25 idioms, each named NN-slug', () => {
    expect(idioms.length).toBeGreaterThanOrEqual(25);
    for (const name of idioms) expect(name).toMatch(/^\d{2}-[a-z0-9-]+$/);
  });

  it('lists only existing idioms as known gaps, each with a reason', () => {
    for (const [name, reason] of Object.entries(KNOWN_GAPS)) {
      expect(idioms, name).toContain(name);
      expect(reason.trim().length, name).toBeGreaterThan(10);
    }
  });
});

describe.each(idioms)('idiom %s', (name) => {
  const fixture = readFixture(ROOT, name);
  const gap = KNOWN_GAPS[name];
  let db: TestDatabase;
  let findings: Finding[];

  beforeAll(async () => {
    db = await createTestDatabase({ setup: fixture.schema });
    findings = await auditFixture(db, fixture);
  });
  afterAll(() => db?.close());

  it('names the idea on its first line', () => {
    expect(fixture.schema).toMatch(/^-- \S.{20,}/);
  });

  it('words every message carefully: no doubled words', () => {
    expect(wordingReport(findings)).toEqual([]);
  });

  it('proves its verdict with queries as the role', async () => {
    assertErrorsHaveProofs(fixture);
    if (!fixture.expected.some((e) => e.severity === 'error')) {
      expect(fixture.leaks.some(isReadCheck), 'a well-built idiom needs an isolated read check').toBe(true);
      expect(fixture.leaks.some(isWriteCheck), 'a well-built idiom needs a write-path check').toBe(true);
    }
    for (const leak of fixture.leaks) await runLeakCheck(db, leak);
  });

  it(gap ? `still mismatches (known gap: ${gap})` : 'reports exactly the expected errors and the required warnings', () => {
    const comparison = compareIdiom(fixture.expected, findings.map(asExpected));
    if (gap) {
      expect(comparison.matches, `${name} now matches: remove it from test/idioms.known-gaps.ts`).toBe(false);
      return;
    }
    expect(comparison.actualErrors).toEqual(comparison.expectedErrors);
    expect(comparison.missingWarnings).toEqual([]);
  });
});
