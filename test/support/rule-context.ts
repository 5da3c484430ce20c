/**
 * Rule tests: introspect a real test database and build the context every
 * rule sees, exactly as an audit does.
 */
import { introspect } from '../../src/catalog/introspect.js';
import { buildRuleContext } from '../../src/check/context.js';
import { DEFAULT_CONFIG, type Config } from '../../src/config/types.js';
import type { Problem, Rule, RuleContext } from '../../src/rules/types.js';
import type { TestDatabase } from './db.js';

export async function ruleContext(db: TestDatabase, config: Partial<Config> = {}): Promise<RuleContext> {
  const full: Config = { ...DEFAULT_CONFIG, schemas: ['public'], ...config };
  return buildRuleContext(await introspect(db.client, { schemas: full.schemas, schemaPerTenant: full.schemaPerTenant }), full);
}

/** The rule's problems keyed by object (`table`, or `table.name` for objects on a table). */
export function problemsByObject(rule: Rule, ctx: RuleContext): Map<string, Problem> {
  const out = new Map<string, Problem>();
  for (const problem of rule.check(ctx)) {
    const { table, name } = problem.object;
    const key = table !== undefined && table !== name ? `${table}.${name}` : name;
    if (out.has(key)) throw new Error(`two problems for ${key}`);
    out.set(key, problem);
  }
  return out;
}

/** Runs `sql` (role names rewritten) in a transaction, reads the context there, and rolls back. */
export async function ruleContextAfter(db: TestDatabase, sql: string, config: Partial<Config> = {}): Promise<RuleContext> {
  await db.client.query('BEGIN');
  try {
    await db.client.query(db.sql(sql));
    return await ruleContext(db, config);
  } finally {
    await db.client.query('ROLLBACK');
  }
}
