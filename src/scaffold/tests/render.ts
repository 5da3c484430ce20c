/**
 * The generated suite's files: the data file (rendered from the plan), and the
 * setup module and data-driven test file, copied from templates/tenant-isolation/.
 */
import path from 'node:path';
import { fillTemplate, readTemplate } from '../fill-template.js';
import type { PlannedFile } from '../write-files.js';
import { withParameters } from './statements.js';
import type { IsolationCase, IsolationPlan, SeedRow } from './types.js';

const TEMPLATE_DIR = 'tenant-isolation';
export const SUITE_FILES = { data: 'tenant-tables.ts', setup: 'setup.ts', test: 'tenant-isolation.test.ts' } as const;

function renderRow(row: SeedRow) {
  return { id: row.id, table: row.table, org: row.org, insert: withParameters(row.insert), returns: row.returns };
}

function renderCase(c: IsolationCase) {
  return {
    table: c.table,
    key: c.key,
    role: c.role,
    setting: c.setting,
    setRole: c.setRole,
    seed: c.seed,
    own: c.own,
    other: c.other,
    read: withParameters(c.read),
    updateOther: withParameters(c.updateOther),
    deleteOther: withParameters(c.deleteOther),
    insertOther: withParameters(c.insertOther),
    insertOtherColumns: c.insertOtherColumns,
    moveOwn: withParameters(c.moveOwn),
    updateAll: withParameters(c.updateAll),
    moveAll: withParameters(c.moveAll),
    otherIntact: withParameters(c.otherIntact),
    countOther: withParameters(c.countOther),
    truncate: c.truncate,
    bypass: c.bypass,
  };
}

/** The data file's object literal: JSON is valid TypeScript, and diffs stay readable line by line. */
export function renderData(plan: IsolationPlan): string {
  const data = {
    setting: plan.setting,
    orgs: plan.orgs,
    rows: Object.fromEntries(plan.rows.map((row) => [row.id, renderRow(row)])),
    tables: plan.cases.map(renderCase),
    todo: plan.todo,
  };
  return JSON.stringify(data, null, 2);
}

export async function renderSuite(plan: IsolationPlan, outDir: string, source: string): Promise<PlannedFile[]> {
  const [data, setup, test] = await Promise.all([
    readTemplate(path.join(TEMPLATE_DIR, SUITE_FILES.data)),
    readTemplate(path.join(TEMPLATE_DIR, SUITE_FILES.setup)),
    readTemplate(path.join(TEMPLATE_DIR, SUITE_FILES.test)),
  ]);
  return [
    { path: path.join(outDir, SUITE_FILES.data), contents: fillTemplate(data, { source, data: renderData(plan) }, SUITE_FILES.data) },
    { path: path.join(outDir, SUITE_FILES.setup), contents: fillTemplate(setup, {}, SUITE_FILES.setup) },
    { path: path.join(outDir, SUITE_FILES.test), contents: fillTemplate(test, {}, SUITE_FILES.test) },
  ];
}
