#!/usr/bin/env node
/**
 * npm run accuracy — audits every idiom in fixtures/idioms with the built
 * tool (dist/) and prints how many errors it reports on well-built idioms
 * (target 0) and which share of the expected errors it finds on leaky ones
 * (target 100%). Scoring is test/support/accuracy.js, the same as the test.
 *
 * Each idiom gets a fresh embedded engine (each one its own cluster, so the
 * fixtures' role names are used as they are). Needs `npm run build` first.
 *
 *   npm run accuracy               # summary
 *   npm run accuracy -- --verbose  # plus each idiom's errors and warnings, marked against expected.json
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { compareIdiom, formatSummary, objectName, summarize } from '../test/support/accuracy.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const IDIOMS = join(root, 'fixtures', 'idioms');
if (!existsSync(join(root, 'dist', 'check', 'run-rules.js'))) {
  console.error('accuracy: dist/ is missing; run `npm run build` first');
  process.exit(2);
}
const { introspect } = await import('../dist/catalog/introspect.js');
const { buildRuleContext } = await import('../dist/check/context.js');
const { runRules } = await import('../dist/check/run-rules.js');
const { rules } = await import('../dist/rules/index.js');
const { DEFAULT_CONFIG } = await import('../dist/config/types.js');
const { PGlite } = await import('@electric-sql/pglite');
const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');

const verbose = process.argv.includes('--verbose');
const readJson = (file, fallback) => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : fallback);

// One initdb, then every idiom starts from a copy of its data directory.
const pristine = await (async () => {
  const db = new PGlite();
  await db.waitReady;
  const dump = await db.dumpDataDir('none');
  await db.close();
  return dump;
})();

async function auditIdiom(name) {
  const dir = join(IDIOMS, name);
  const pglite = new PGlite({ loadDataDir: pristine });
  await pglite.waitReady;
  const client = new pg.Client(createPgConfig(pglite));
  await client.connect();
  try {
    await client.query(readFileSync(join(dir, 'schema.sql'), 'utf8'));
    const config = { ...DEFAULT_CONFIG, ...readJson(join(dir, 'config.json'), {}) };
    const context = await buildRuleContext(await introspect(client, { schemas: config.schemas }), config);
    const findings = runRules(context, rules, config).map((f) => ({ rule: f.rule, object: objectName(f), severity: f.severity }));
    return { findings, comparison: compareIdiom(readJson(join(dir, 'expected.json'), []), findings) };
  } finally {
    await client.end().catch(() => {});
    await pglite.close();
  }
}

const names = readdirSync(IDIOMS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
const results = [];
for (const name of names) {
  const { findings, comparison } = await auditIdiom(name);
  results.push({ name, comparison });
  if (verbose) {
    console.log(`${name} (${comparison.wellBuilt ? 'well-built' : 'leaky'}${comparison.matches ? '' : ', does not match'})`);
    for (const f of findings.filter((x) => x.severity !== 'info')) {
      const k = `${f.rule} ${f.object}`;
      const mark = comparison.falseErrors.includes(k) ? '  (not expected)' : '';
      console.log(`  ${f.severity.padEnd(7)} ${k}${mark}`);
    }
    for (const k of comparison.missedErrors) console.log(`  missed  ${k}`);
    for (const k of comparison.missingWarnings) console.log(`  missing warning ${k}`);
  }
}
console.log(formatSummary(summarize(results)));
