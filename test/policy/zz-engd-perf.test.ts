import { it } from 'vitest';
import { introspect } from '../../src/catalog/introspect.js';
import { buildRuleContext } from '../../src/check/context.js';
import { runRules } from '../../src/check/run-rules.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { rules } from '../../src/rules/index.js';
import { createTestDatabase } from '../support/db.js';

it('perf', async () => {
  const N = 3000;
  const ctx = `(SELECT NULLIF(current_setting('app.current_org_id', true), '')::uuid)`;
  const db = await createTestDatabase({ setup: `CREATE ROLE app_user; CREATE TABLE organizations (id uuid PRIMARY KEY);` });
  let sql = '';
  for (let i = 0; i < N; i++) {
    if (i % 200 === 0 && sql) { await db.exec(sql); sql = ''; }
    sql += `CREATE TABLE t${i} (id uuid PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations, is_public boolean, slug text UNIQUE);
    ALTER TABLE t${i} ENABLE ROW LEVEL SECURITY;
    CREATE POLICY p ON t${i} TO app_user USING (is_public OR organization_id = ${ctx});
    CREATE POLICY q ON t${i} FOR SELECT USING (organization_id::text = current_setting('app.current_org_id', true));
    GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON t${i} TO app_user;`;
  }
  await db.exec(sql);
  let t = Date.now();
  const catalog = await introspect(db.client);
  console.log('introspect', Date.now() - t); t = Date.now();
  const c = await buildRuleContext(catalog, { ...DEFAULT_CONFIG });
  console.log('context', Date.now() - t); t = Date.now();
  const timings: [string, number][] = [];
  for (const r of rules) { const s = Date.now(); runRules(c, [r], DEFAULT_CONFIG); timings.push([r.id, Date.now() - s]); }
  console.log('rules', Date.now() - t, timings.filter(([, ms]) => ms > 30));
  await db.close();
}, 600_000);
