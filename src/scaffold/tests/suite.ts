/**
 * `scaffold tests`: from the catalog to the planned files of the leak suite.
 * Pure apart from reading the templates; writing is left to write-files.ts.
 */
import { planIsolationFor, type AppRoleChoice } from '../../isolation/index.js';
import type { IsolationPlan } from '../../isolation/types.js';
import type { RuleContext } from '../../rules/types.js';
import type { PlannedFile } from '../write-files.js';
import { renderSuite } from './render.js';

export interface LeakSuiteOptions {
  outDir: string;
  /** `--table` entries (`name` or `schema.name`); default: every tenant table. */
  tables?: readonly string[];
  /** Where the catalog came from, for the data file's header. */
  source: string;
  /** Fixed in tests; random otherwise, so seeded values never meet existing rows. */
  nonce?: string;
}

export interface LeakSuite {
  files: PlannedFile[];
  plan: IsolationPlan;
  role: AppRoleChoice;
}

export async function planLeakSuite(context: RuleContext, options: LeakSuiteOptions): Promise<LeakSuite> {
  const { plan, role } = await planIsolationFor(context, { tables: options.tables, nonce: options.nonce });
  return { files: await renderSuite(plan, options.outDir, options.source), plan, role };
}
