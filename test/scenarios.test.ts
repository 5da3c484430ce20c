/**
 * Realistic schemas (fixtures/scenarios/<name>/schema.sql), each audited with
 * every registered rule on a real database; the findings must be exactly the
 * ones in expected.json. Every error-level finding is a claim that some role
 * reaches another tenant's rows: leaks.json proves each one with a real query
 * as that role (rolled back), and a well-built schema has no error at all.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect } from '../src/catalog/introspect.js';
import { buildRuleContext } from '../src/check/context.js';
import { runRules } from '../src/check/run-rules.js';
import type { Finding } from '../src/check/types.js';
import { DEFAULT_CONFIG, type Config } from '../src/config/types.js';
import { rules } from '../src/rules/index.js';
import { createTestDatabase, engine, type TestDatabase } from './support/db.js';
import { asLogin, type Rows } from './support/login-session.js';

const ROOT = new URL('../fixtures/scenarios/', import.meta.url);
const scenarios = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

interface Expected {
  rule: string;
  object: string;
  severity: Finding['severity'];
}

interface Leak {
  /** The error finding this query proves. */
  rule: string;
  object: string;
  role: string;
  /** set_config(name, value, true) for each entry, after SET ROLE. */
  settings?: Record<string, string>;
  /** Run in order; the last one is judged. */
  sql: string[];
  /**
   * `other-tenant`: the first column of some row is not `tenant`; `writes`: the statement changes at least one row;
   * `isolated`: rows come back and every first column is `tenant` (a check that a safe schema holds).
   */
  expect: 'other-tenant' | 'writes' | 'isolated';
  tenant?: string;
  /**
   * `login`: a new session logged in as the role (so ALTER ROLE … SET defaults apply) instead of
   * SET ROLE in the setup session; settings are not set. Server engine only (see login-session.ts).
   */
  session?: 'login';
}

const read = <T>(name: string, file: string, fallback: T): T => {
  const url = new URL(`${name}/${file}`, ROOT);
  return existsSync(url) ? (JSON.parse(readFileSync(url, 'utf8')) as T) : fallback;
};

/** `public.projects`, `public.projects.tenant` (policies, constraints, indexes), `app_user` (roles), `database`. */
function objectName(f: Finding): string {
  const o = f.object;
  const unprefixed = (s: string) => s.replace(/^tg[0-9a-f]{8}_/, '');
  if (o.kind === 'database') return 'database';
  if (o.schema === null) return unprefixed(o.name);
  return o.table !== undefined && o.table !== o.name ? `${o.schema}.${o.table}.${o.name}` : `${o.schema}.${o.name}`;
}

const key = (e: Expected) => `${e.rule} ${e.object} ${e.severity}`;

describe.each(scenarios)('scenario %s', (name) => {
  const expected = read<Expected[]>(name, 'expected.json', []);
  const leaks = read<Leak[]>(name, 'leaks.json', []);
  const configFile = read<Partial<Config>>(name, 'config.json', {});
  const schema = readFileSync(new URL(`${name}/schema.sql`, ROOT), 'utf8');
  let db: TestDatabase;
  let findings: Finding[];

  beforeAll(async () => {
    db = await createTestDatabase({ setup: schema });
    const config: Config = { ...DEFAULT_CONFIG, ...configFile, appRole: configFile.appRole ? db.role(configFile.appRole) : null };
    const context = await buildRuleContext(await introspect(db.client, { schemas: config.schemas }), config);
    findings = runRules(context, rules, config);
    // TENANTGUARD_SCENARIO_DUMP=1 prints the findings in full, to review messages and fixes
    if (process.env.TENANTGUARD_SCENARIO_DUMP) console.log(JSON.stringify(findings, null, 2));
  });
  afterAll(() => db?.close());

  it('reports exactly the expected findings', () => {
    const actual = findings.map((f) => key({ rule: f.rule, object: objectName(f), severity: f.severity })).sort();
    expect(actual).toEqual(expected.map(key).sort());
  });

  it('proves every error-level finding (and the isolation of safe tables) with a query as the role', async () => {
    const errors = expected.filter((e) => e.severity === 'error');
    for (const e of errors) {
      expect(leaks.some((l) => l.rule === e.rule && l.object === e.object), `no leak query for ${e.rule} ${e.object}`).toBe(true);
    }
    for (const leak of leaks) {
      if (leak.session === 'login' && engine !== 'server') continue;
      const result = leak.session === 'login' ? await asLogin(db, leak.role, leak.sql) : await db.asRole(leak.role, async (c) => {
        for (const [setting, value] of Object.entries(leak.settings ?? {})) {
          await c.query('SELECT set_config($1, $2, true)', [setting, value]);
        }
        let last: Rows = { rowCount: 0, rows: [] };
        for (const sql of leak.sql) last = await c.query(db.sql(sql));
        return last;
      });
      const what = `${leak.rule} ${leak.object}: ${leak.sql.at(-1)}`;
      if (leak.expect === 'writes') expect(result.rowCount, what).toBeGreaterThan(0);
      else if (leak.expect === 'isolated') {
        const firstColumn = result.rows.map((r) => String(Object.values(r)[0]));
        expect(firstColumn.length, what).toBeGreaterThan(0);
        expect(new Set(firstColumn), what).toEqual(new Set([leak.tenant]));
      } else {
        const firstColumn = result.rows.map((r) => String(Object.values(r)[0]));
        expect(firstColumn.some((v) => v !== leak.tenant), `${what} returned ${JSON.stringify(firstColumn)}`).toBe(true);
      }
    }
  });
});
