import type { AuditResult } from '../check/types.js';
import type { ReportOptions } from './options.js';

export type { ReportOptions, RuleDescriptor } from './options.js';

/** A reporter is a pure function of the audit result: no I/O, no clock, no environment. */
export type Reporter = (result: AuditResult, options?: ReportOptions) => string;

/**
 * The report formats, by `--format` name. Each entry loads its reporter on
 * demand so that `tenantguard --help` and the other commands never pay for
 * formats they do not print.
 */
export const reporters = {
  pretty: async () => (await import('./pretty.js')).renderPretty,
  json: async () => (await import('./json.js')).renderJson,
  sarif: async () => (await import('./sarif.js')).renderSarif,
  github: async () => (await import('./github.js')).renderGithub,
  junit: async () => (await import('./junit.js')).renderJunit,
  markdown: async () => (await import('./markdown.js')).renderMarkdown,
} satisfies Record<string, () => Promise<Reporter>>;

export type Format = keyof typeof reporters;

export const formats = Object.keys(reporters) as Format[];

export function isFormat(name: string): name is Format {
  return Object.hasOwn(reporters, name);
}

export async function loadReporter(format: Format): Promise<Reporter> {
  return reporters[format]();
}
