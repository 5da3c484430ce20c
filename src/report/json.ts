import type { AuditResult, Finding, RelatedFinding } from '../check/types.js';
import type { FindingObject } from '../rules/types.js';
import type { ReportOptions } from './options.js';

function objectJson({ kind, schema, name, table }: FindingObject) {
  return table === undefined ? { kind, schema, name } : { kind, schema, name, table };
}

/** A consequence reported inside its root cause: what the rule would have reported on its own. */
function relatedJson(related: RelatedFinding) {
  return {
    rule: related.rule,
    severity: related.severity,
    object: objectJson(related.object),
    message: related.message,
    fingerprint: related.fingerprint,
  };
}

/** One finding in the public JSON shape (architecture.md), with keys in contract order. */
function findingJson(finding: Finding) {
  return {
    rule: finding.rule,
    severity: finding.severity,
    object: objectJson(finding.object),
    message: finding.message,
    fix: finding.fix ? { title: finding.fix.title, sql: finding.fix.sql } : null,
    fingerprint: finding.fingerprint,
    docs: finding.docs,
    related: (finding.related ?? []).map(relatedJson),
    ...(finding.source !== undefined ? { source: finding.source } : {}),
  };
}

/**
 * `--format json`: the public, versioned report shape. Built field by field so
 * that data added to AuditResult for other reporters never leaks into it.
 */
export function renderJson(result: AuditResult, _options?: ReportOptions): string {
  const report = {
    tool: 'tenantguard',
    version: result.version,
    schemaVersion: 1,
    source: { kind: result.source.kind, name: result.source.name },
    findings: result.findings.map(findingJson),
    summary: {
      error: result.summary.error,
      warning: result.summary.warning,
      info: result.summary.info,
      tables: result.summary.tables,
      tenantTables: result.summary.tenantTables,
      // only with --schema-per-tenant: reports of other audits keep their shape
      ...(result.summary.tenantSchemas === undefined ? {} : { tenantSchemas: result.summary.tenantSchemas }),
    },
    ...(result.sources ? { sources: result.sources } : {}),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}
