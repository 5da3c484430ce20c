/**
 * Realistic schemas (fixtures/scenarios/<name>/schema.sql), each audited with
 * every registered rule on a real database; the findings must be exactly the
 * ones in expected.json. Every error-level finding is a claim that some role
 * reaches another tenant's rows: leaks.json proves each one with a real query
 * as that role (rolled back), and a well-built schema has no error at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../src/check/types.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { wordingReport } from './support/wording.js';
import {
  asExpected,
  assertErrorsHaveProofs,
  auditFixture,
  findingKey,
  listFixtures,
  readFixture,
  runLeakCheck,
} from './support/fixture-suite.js';

const ROOT = new URL('../fixtures/scenarios/', import.meta.url);

describe.each(listFixtures(ROOT))('scenario %s', (name) => {
  const fixture = readFixture(ROOT, name);
  let db: TestDatabase;
  let findings: Finding[];

  beforeAll(async () => {
    db = await createTestDatabase({ setup: fixture.schema });
    findings = await auditFixture(db, fixture);
  });
  afterAll(() => db?.close());

  it('reports exactly the expected findings', () => {
    const actual = findings.map((f) => findingKey(asExpected(f))).sort();
    expect(actual).toEqual(fixture.expected.map(findingKey).sort());
  });

  it('words every message carefully: no doubled words', () => {
    expect(wordingReport(findings)).toEqual([]);
  });

  it('proves every error-level finding (and the isolation of safe tables) with a query as the role', async () => {
    assertErrorsHaveProofs(fixture);
    for (const leak of fixture.leaks) await runLeakCheck(db, leak);
  });
});
