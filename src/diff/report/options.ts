import { printable } from '../../printable.js';
import type { DiffResult } from '../index.js';

export interface DiffReportOptions {
  /** ANSI colours (pretty). */
  color?: boolean;
  /** Also list info changes (added, equivalent) and, in pretty, each change's proof. */
  verbose?: boolean;
  /** File that changes without a migration location are pinned on (SARIF, GitHub annotations). */
  anchor?: string | null;
}

/** A diff reporter: a pure function of the result, like the audit's reporters. */
export type DiffReporter = (result: DiffResult, options?: DiffReportOptions) => string;

/** Every string of a value with its unprintable characters escaped (src/printable.ts). */
function printableDeep<T>(value: T): T {
  if (typeof value === 'string') return printable(value) as T;
  if (Array.isArray(value)) return value.map(printableDeep) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, printableDeep(v)])) as T;
  return value;
}

/**
 * Text formats render a result whose every text is printable (names with
 * ESC, BEL or line breaks shown as escapes); JSON and SARIF keep the exact
 * text, which JSON escaping makes inert.
 */
function printableText(render: DiffReporter): DiffReporter {
  return (result, options) => render(printableDeep(result), options);
}

export const diffReporters = {
  pretty: async () => printableText((await import('./pretty.js')).renderDiffPretty),
  json: async () => (await import('./json.js')).renderDiffJson,
  markdown: async () => printableText((await import('./markdown.js')).renderDiffMarkdown),
  sarif: async () => (await import('./sarif.js')).renderDiffSarif,
  github: async () => printableText((await import('./github.js')).renderDiffGithub),
} satisfies Record<string, () => Promise<DiffReporter>>;

export type DiffFormat = keyof typeof diffReporters;

export const diffFormats = Object.keys(diffReporters) as DiffFormat[];
