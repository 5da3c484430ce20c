/**
 * The audit result as the text formats render it: every text field made
 * printable (src/printable.ts), once, before any of them runs
 * (report/index.ts). JSON and SARIF keep the exact text, which JSON escaping
 * makes inert.
 */
import type { AuditResult, Finding, RelatedFinding } from '../check/types.js';
import { printable, printableBlock } from '../printable.js';
import type { FindingObject } from '../rules/types.js';

function printableObject(object: FindingObject): FindingObject {
  return {
    ...object,
    schema: object.schema === null ? null : printable(object.schema),
    name: printable(object.name),
    ...(object.table !== undefined ? { table: printable(object.table) } : {}),
  };
}

function printableRelated(related: RelatedFinding): RelatedFinding {
  return {
    ...related,
    object: printableObject(related.object),
    message: printable(related.message),
    ...(related.impact !== undefined ? { impact: printable(related.impact) } : {}),
    ...(related.location ? { location: { ...related.location, file: printable(related.location.file) } } : {}),
  };
}

function printableFinding(finding: Finding): Finding {
  return {
    ...finding,
    ...printableRelated(finding),
    fix: finding.fix ? { title: printable(finding.fix.title), sql: printableBlock(finding.fix.sql) } : null,
    ...(finding.causes ? { causes: finding.causes.map(printableObject) } : {}),
    ...(finding.related ? { related: finding.related.map(printableRelated) } : {}),
    ...(finding.source !== undefined ? { source: printable(finding.source) } : {}),
  };
}

/** The result with every text field made printable, for the text formats. */
export function printableResult(result: AuditResult): AuditResult {
  return {
    ...result,
    source: { ...result.source, name: printable(result.source.name) },
    findings: result.findings.map(printableFinding),
    ...(result.sources ? { sources: result.sources.map((s) => ({ ...s, name: printable(s.name), ...(s.failed !== undefined ? { failed: printable(s.failed) } : {}) })) } : {}),
  };
}
