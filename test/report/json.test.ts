import { describe, expect, it } from 'vitest';
import { renderJson } from '../../src/report/json.js';
import { cleanResult, collapsedResult, sampleResult } from './sample-results.js';

describe('json report', () => {
  it('has exactly the public shape, keys in contract order', () => {
    const report = JSON.parse(renderJson(sampleResult));
    expect(Object.keys(report)).toEqual(['tool', 'version', 'schemaVersion', 'source', 'findings', 'summary']);
    expect(report).toMatchObject({ tool: 'tenantguard', version: '0.1.0', schemaVersion: 1, source: { kind: 'migrations', name: 'drizzle' } });
    expect(Object.keys(report.summary)).toEqual(['error', 'warning', 'info', 'tables', 'tenantTables']);
    for (const finding of report.findings) {
      expect(Object.keys(finding)).toEqual(['rule', 'severity', 'object', 'message', 'fix', 'fingerprint', 'docs', 'related']);
      expect(finding.related).toEqual([]);
      expect(finding.docs).toBe(`docs/rules/${finding.rule}.md`);
      expect(finding.object.schema).toBe('public');
    }
  });

  it('keeps the table of a policy, null fixes, and leaves out internal fields', () => {
    const report = JSON.parse(renderJson(sampleResult));
    expect(report.findings[0].fix).toEqual(sampleResult.findings[0]!.fix);
    expect(report.findings[0].object).toEqual({ kind: 'table', schema: 'public', name: 'projects' });
    expect(report.findings[1].object).toEqual({ kind: 'policy', schema: 'public', name: 'tenant_write', table: 'tasks' });
    expect(report.findings[1].fix).toBeNull();
    // Migration locations are for SARIF/GitHub annotations, not part of the JSON contract.
    expect(JSON.stringify(report)).not.toContain('location');
  });

  it('lists the consequences folded into a root cause as related findings', () => {
    const report = JSON.parse(renderJson(collapsedResult));
    const [root] = report.findings;
    expect(root.related).toEqual([
      {
        rule: 'read-not-tenant-scoped',
        severity: 'error',
        object: { kind: 'table', schema: 'public', name: 'projects' },
        message: collapsedResult.findings[0]!.related![0]!.message,
        fingerprint: '0123456789abcdef',
      },
      {
        rule: 'write-check-not-tenant-scoped',
        severity: 'error',
        object: { kind: 'table', schema: 'public', name: 'projects' },
        message: collapsedResult.findings[0]!.related![1]!.message,
        fingerprint: 'fedcba9876543210',
      },
    ]);
  });

  it('writes an empty findings array and a trailing newline', () => {
    const text = renderJson(cleanResult);
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text).findings).toEqual([]);
  });
});
