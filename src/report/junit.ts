import type { AuditResult, Finding } from '../check/types.js';
import { consequencesText } from './consequences.js';
import { docsUrlFor, type DocsUrl } from './docs-url.js';
import type { ReportOptions } from './options.js';
import { describeObject } from '../sql/object-name.js';

/**
 * Characters XML 1.0 cannot carry at all, not even as character references
 * (C0 controls except tab/LF/CR, lone surrogates, U+FFFE/U+FFFF). Postgres
 * identifiers may contain them, so they are shown as `\xNN` / `\uNNNN`.
 */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function visibleEscape(char: string): string {
  const code = char.codePointAt(0)!;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

export function escapeXmlText(text: string): string {
  return text.replace(NOT_XML, visibleEscape).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute values also escape quotes, and keep whitespace that attribute normalisation would flatten. */
export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => ` ${name}="${escapeXmlAttribute(String(value))}"`)
    .join('');
}

function failureText(finding: Finding, docs: DocsUrl): string {
  const lines = [finding.message];
  if (finding.location) lines.push(`at ${finding.location.file}:${finding.location.line}`);
  if (finding.related && finding.related.length > 0) lines.push('', consequencesText(finding.related));
  if (finding.fix) lines.push('', `Fix: ${finding.fix.title}`, finding.fix.sql);
  lines.push('', `Docs: ${docs(finding.rule)}`, `Fingerprint: ${finding.fingerprint}`);
  return lines.join('\n');
}

function testcase(finding: Finding, docs: DocsUrl): string {
  const location: Record<string, string | number> = finding.location ? { file: finding.location.file, line: finding.location.line } : {};
  return [
    `    <testcase${attributes({ classname: `tenantguard.${finding.rule}`, name: describeObject(finding.object), ...location, time: 0 })}>`,
    `      <failure${attributes({ message: finding.message, type: finding.severity })}>${escapeXmlText(failureText(finding, docs))}</failure>`,
    '    </testcase>',
  ].join('\n');
}

/**
 * JUnit XML as GitLab, Jenkins and CircleCI read it: one testsuite per rule,
 * one failing testcase per finding. A clean audit is one passing testcase, so
 * CI shows a result rather than "no tests".
 */
export function renderJunit(result: AuditResult, options: ReportOptions = {}): string {
  const docs = docsUrlFor(result.version, options.docsBaseUrl);
  const byRule = new Map<string, Finding[]>();
  for (const finding of result.findings) {
    const list = byRule.get(finding.rule) ?? [];
    list.push(finding);
    byRule.set(finding.rule, list);
  }
  const suites: string[] = [];
  for (const rule of [...byRule.keys()].sort()) {
    const findings = byRule.get(rule)!;
    suites.push(
      `  <testsuite${attributes({ name: rule, tests: findings.length, failures: findings.length, errors: 0, skipped: 0, time: 0 })}>`,
      ...findings.map((f) => testcase(f, docs)),
      '  </testsuite>',
    );
  }
  if (suites.length === 0) {
    suites.push(
      `  <testsuite${attributes({ name: 'tenantguard', tests: 1, failures: 0, errors: 0, skipped: 0, time: 0 })}>`,
      `    <testcase${attributes({ classname: 'tenantguard', name: `audit ${result.source.kind} ${result.source.name}`, time: 0 })}/>`,
      '  </testsuite>',
    );
  }
  const total = Math.max(1, result.findings.length);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: 'tenantguard', tests: total, failures: result.findings.length, errors: 0, time: 0 })}>`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
