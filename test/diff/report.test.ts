/**
 * The diff reports are pure functions of a result: tested on a fixed one,
 * with a hostile object name (table-cell pipes, Markdown, control characters).
 */
import { readFileSync } from 'node:fs';
import Ajv from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import type { AccessChange, DiffResult } from '../../src/diff/index.js';
import { diffReporters } from '../../src/diff/report/options.js';

const widened: AccessChange = {
  class: 'widened',
  severity: 'error',
  object: { kind: 'table', schema: 'public', name: 'projects|x_*\u001b[31m' },
  role: 'app_user',
  commands: ['SELECT', 'DELETE'],
  before: { via: 'policies', rows: 'own', check: null },
  after: { via: 'policies', rows: 'any', check: null },
  summary: "own organization's rows → every organization's rows",
  reasons: ['policy "p" USING (true): true is always true'],
  policies: ['p'],
  location: { file: 'migrations/002 public.sql', line: 3 },
  proof: { status: 'proven', detail: "SELECT … returned org B's row" },
};
const equivalent: AccessChange = {
  ...widened,
  class: 'equivalent',
  severity: 'info',
  object: { kind: 'table', schema: 'public', name: 'tasks' },
  commands: ['INSERT'],
  before: { via: 'policies', rows: null, check: 'own' },
  after: { via: 'policies', rows: null, check: 'own' },
  summary: "own organization's rows → own organization's rows",
  reasons: [],
  proof: undefined,
  location: undefined,
};

const result: DiffResult = {
  tool: 'tenantguard',
  document: 'access-diff',
  formatVersion: 1,
  version: '0.1.0',
  tenantColumn: 'organization_id',
  base: { label: 'main (3f2a1b0)', source: { kind: 'migrations', name: 'migrations' }, skipped: [] },
  head: { label: 'working tree', source: { kind: 'migrations', name: 'migrations' }, skipped: [] },
  changes: [widened, equivalent],
  summary: { widened: 1, narrowed: 0, unknown: 0, added: 0, equivalent: 1 },
  probed: true,
};

const render = async (format: keyof typeof diffReporters, verbose = false) => (await diffReporters[format]())(result, { verbose, anchor: 'tenantguard.config.json' });

describe('diff reports', () => {
  it('pretty: one line per change under its table, info only with --verbose, names made printable', async () => {
    const text = await render('pretty');
    expect(text).toContain('public."projects|x_*\\x1b[31m"\n  ✖ widened    app_user SELECT and DELETE: own organization\'s rows → every organization\'s rows (policy "p" USING (true): true is always true) [migrations/002 public.sql:3; proven by the probe]');
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('tasks');
    expect(text).toContain('widens access');
    expect(await render('pretty', true)).toContain('· equivalent app_user INSERT');
  });

  it('markdown: a verdict line, then a table whose cells cannot be split by a name', async () => {
    const text = await render('markdown');
    const lines = text.split('\n');
    expect(lines[0]).toBe("### 🔴 tenantguard diff: widens access: a role can reach another organization's rows it could not reach before");
    const row = lines.find((l) => l.startsWith('| 🔴'))!;
    expect(row.split(' | ')).toHaveLength(9);
    expect(row).toContain('projects&#124;x\\_\\*\\\\x1b\\[31m');
    expect(row).toContain('<code>migrations/002 public.sql:3</code>');
  });

  it('github: an annotation on the migration line, escaped', async () => {
    const [annotation] = (await render('github')).split('\n');
    expect(annotation).toMatch(/^::error file=migrations\/002 public\.sql,line=3,title=access widened%3A public\."projects\|x_\*\\x1b\[31m"::app_user SELECT and DELETE: /);
  });

  it('sarif: valid SARIF 2.1.0, every result on a file and line', async () => {
    const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-schema-2.1.0.json', import.meta.url), 'utf8'));
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    const log = JSON.parse(await render('sarif', true));
    expect(ajv.validate(schema, log), JSON.stringify(ajv.errors)).toBe(true);
    const results = log.runs[0].results as { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[];
    expect(results.map((r) => [r.ruleId, r.locations[0]!.physicalLocation.artifactLocation.uri, r.locations[0]!.physicalLocation.region.startLine])).toEqual([
      ['access-widened', 'migrations/002%20public.sql', 3],
      ['access-equivalent', 'tenantguard.config.json', 1],
    ]);
  });

  it('json: the whole result, info changes included', async () => {
    expect(JSON.parse(await render('json'))).toEqual(JSON.parse(JSON.stringify(result)));
  });
});
