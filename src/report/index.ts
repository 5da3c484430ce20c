import type { AuditResult } from '../check/types.js';
import type { ReportOptions } from './options.js';
import { printableResult } from './printable-result.js';

export type { ReportOptions, RuleDescriptor } from './options.js';

/** A reporter is a pure function of the audit result: no I/O, no clock, no environment. */
export type Reporter = (result: AuditResult, options?: ReportOptions) => string;

/**
 * The report formats, by `--format` name. Each entry loads its reporter on
 * demand so that `tenantguard --help` and the other commands never pay for
 * formats they do not print.
 */
export const reporters = {
  pretty: async () => printableText((await import('./pretty.js')).renderPretty),
  json: async () => (await import('./json.js')).renderJson,
  sarif: async () => (await import('./sarif.js')).renderSarif,
  github: async () => printableText((await import('./github.js')).renderGithub),
  junit: async () => printableText((await import('./junit.js')).renderJunit),
  markdown: async () => printableText((await import('./markdown.js')).renderMarkdown),
  gitlab: async () => (await import('./gitlab.js')).renderGitlab,
} satisfies Record<string, () => Promise<Reporter>>;

/**
 * Text formats render a result whose every text field is printable (names
 * with ESC, BEL or line breaks shown as escapes); JSON and SARIF keep the
 * exact text, which JSON escaping makes inert.
 */
function printableText(render: Reporter): Reporter {
  return (result, options) => render(printableResult(result), options);
}

export type Format = keyof typeof reporters;

export const formats = Object.keys(reporters) as Format[];

export function isFormat(name: string): name is Format {
  return Object.hasOwn(reporters, name);
}

export async function loadReporter(format: Format): Promise<Reporter> {
  return reporters[format]();
}
