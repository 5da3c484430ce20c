/**
 * The harness shared by the fixture suites (fixtures/scenarios, fixtures/idioms):
 * read a fixture folder, audit its schema with every registered rule on a real
 * database, and run its proof queries as the roles they name.
 *
 * A fixture folder holds:
 * - schema.sql    — applied as the setup superuser (roles it creates are namespaced, see db.ts);
 * - expected.json — `[{ rule, object, severity }]` (object as named by objectName in accuracy.js);
 * - leaks.json    — proof queries ({@link LeakCheck}), optional;
 * - config.json   — tenantguard config overrides (`appRole` is a fixture role name), optional.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { introspect } from '../../src/catalog/introspect.js';
import { buildRuleContext } from '../../src/check/context.js';
import { runRules } from '../../src/check/run-rules.js';
import type { Finding } from '../../src/check/types.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config/types.js';
import { rules } from '../../src/rules/index.js';
import { objectName } from './accuracy.js';
import { engine, type TestDatabase } from './db.js';
import { asLogin, type Rows } from './login-session.js';

export interface ExpectedFinding {
  rule: string;
  object: string;
  severity: Finding['severity'];
}

export interface LeakCheck {
  /** The error finding this query proves (`isolation` for a check that a safe table holds). */
  rule: string;
  object: string;
  role: string;
  /** set_config(name, value, true) for each entry, after SET ROLE. */
  settings?: Record<string, string>;
  /** Run in order; the last one is judged. */
  sql: string[];
  /**
   * `other-tenant`: the first column of some row is not `tenant`;
   * `writes`: the statement changes at least one row;
   * `isolated`: rows come back and every first column is `tenant` (a check that a safe schema holds);
   * `rejected`: the last statement fails with SQLSTATE `sqlstate`; without `sqlstate`, it must be
   * a row-level security violation ("new row violates row-level security policy", 42501).
   */
  expect: 'other-tenant' | 'writes' | 'isolated' | 'rejected';
  tenant?: string;
  sqlstate?: string;
  /**
   * `login`: a new session logged in as the role (so ALTER ROLE … SET defaults apply) instead of
   * SET ROLE in the setup session; settings are not set. Server engine only (see login-session.ts).
   */
  session?: 'login';
}

export interface Fixture {
  name: string;
  schema: string;
  expected: ExpectedFinding[];
  leaks: LeakCheck[];
  config: Partial<Config>;
}

/** The fixture folders under `root`, sorted. */
export function listFixtures(root: URL): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

export function readFixture(root: URL, name: string): Fixture {
  const read = <T>(file: string, fallback: T): T => {
    const url = new URL(`${name}/${file}`, root);
    return existsSync(url) ? (JSON.parse(readFileSync(url, 'utf8')) as T) : fallback;
  };
  return {
    name,
    schema: readFileSync(new URL(`${name}/schema.sql`, root), 'utf8'),
    expected: read<ExpectedFinding[]>('expected.json', []),
    leaks: read<LeakCheck[]>('leaks.json', []),
    config: read<Partial<Config>>('config.json', {}),
  };
}

/** Audits the database the fixture's schema was applied to, with every registered rule. */
export async function auditFixture(db: TestDatabase, fixture: Fixture): Promise<Finding[]> {
  const { config: overrides } = fixture;
  const config: Config = {
    ...DEFAULT_CONFIG,
    ...overrides,
    appRole: overrides.appRole ? db.role(overrides.appRole) : null,
    // an audit knows a platform's roles by their real names; here every role of the schema is namespaced
    platformRoles: (overrides.platformRoles ?? DEFAULT_CONFIG.platformRoles).map((r) => db.role(r)),
    anonRole: overrides.anonRole === null ? null : db.role(overrides.anonRole ?? DEFAULT_CONFIG.anonRole!),
  };
  const context = await buildRuleContext(await introspect(db.client, { schemas: config.schemas }), config);
  // Roles are cluster-wide: tests running beside this one create and drop their own roles, which
  // this audit may see; findings about them say nothing about this fixture.
  const findings = runRules(context, rules, config).filter((f) => f.object.kind !== 'role' || !db.isForeignTestRole(f.object.name));
  // TENANTGUARD_SCENARIO_DUMP=1 prints the findings in full, to review messages and fixes
  if (process.env.TENANTGUARD_SCENARIO_DUMP) console.log(fixture.name, JSON.stringify(findings, null, 2));
  return findings;
}

export const findingKey = (e: ExpectedFinding) => `${e.rule} ${e.object} ${e.severity}`;

/** A finding in expected.json's terms (object named by objectName in accuracy.js). */
export const asExpected = (f: Finding): ExpectedFinding => ({ rule: f.rule, object: objectName(f), severity: f.severity });

/** Every expected error must be proven by a leak query naming the same rule and object. */
export function assertErrorsHaveProofs(fixture: Fixture): void {
  for (const e of fixture.expected.filter((x) => x.severity === 'error')) {
    const proven = fixture.leaks.some((l) => l.rule === e.rule && l.object === e.object);
    expect(proven, `${fixture.name}: no leak query for ${e.rule} ${e.object}`).toBe(true);
  }
}

async function runStatements(db: TestDatabase, leak: LeakCheck): Promise<Rows> {
  if (leak.session === 'login') return asLogin(db, leak.role, leak.sql);
  return db.asRole(leak.role, async (c) => {
    for (const [setting, value] of Object.entries(leak.settings ?? {})) {
      await c.query('SELECT set_config($1, $2, true)', [setting, value]);
    }
    let last: Rows = { rowCount: 0, rows: [] };
    for (const sql of leak.sql) last = await c.query(db.sql(sql));
    return last;
  });
}

/** Runs one proof query as its role (rolled back) and asserts its expectation. Returns false when skipped. */
export async function runLeakCheck(db: TestDatabase, leak: LeakCheck): Promise<boolean> {
  if (leak.session === 'login' && engine !== 'server') return false;
  const what = `${leak.rule} ${leak.object}: ${leak.sql.at(-1)}`;
  if (leak.expect === 'rejected') {
    const failure = await runStatements(db, leak).then(
      () => null,
      (error: { code?: string; message?: string }) => error,
    );
    expect(failure, `${what} succeeded`).not.toBeNull();
    expect(failure?.code, `${what} failed with ${failure?.message}`).toBe(leak.sqlstate ?? '42501');
    // 42501 is also "permission denied": without an explicit sqlstate only a policy violation counts
    if (leak.sqlstate === undefined) expect(failure?.message, what).toMatch(/row-level security policy/);
    return true;
  }
  const result = await runStatements(db, leak);
  const firstColumn = result.rows.map((r) => String(Object.values(r)[0]));
  if (leak.expect === 'writes') expect(result.rowCount, what).toBeGreaterThan(0);
  else if (leak.expect === 'isolated') {
    expect(firstColumn.length, what).toBeGreaterThan(0);
    expect(new Set(firstColumn), what).toEqual(new Set([leak.tenant]));
  } else {
    expect(firstColumn.some((v) => v !== leak.tenant), `${what} returned ${JSON.stringify(firstColumn)}`).toBe(true);
  }
  return true;
}
