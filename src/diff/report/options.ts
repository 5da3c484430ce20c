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

export const diffReporters = {
  pretty: async () => (await import('./pretty.js')).renderDiffPretty,
  json: async () => (await import('./json.js')).renderDiffJson,
  markdown: async () => (await import('./markdown.js')).renderDiffMarkdown,
  sarif: async () => (await import('./sarif.js')).renderDiffSarif,
  github: async () => (await import('./github.js')).renderDiffGithub,
} satisfies Record<string, () => Promise<DiffReporter>>;

export type DiffFormat = keyof typeof diffReporters;

export const diffFormats = Object.keys(diffReporters) as DiffFormat[];
