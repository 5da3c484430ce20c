/**
 * The SARIF 2.1.0 (OASIS) frame GitHub code scanning ingests, shared by the
 * audit's report and the diff's: the log and its tool, severities as levels,
 * and locations in repository files.
 */
import type { Severity } from '../config/types.js';
import type { SourceLocation } from '../db/types.js';

const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

export const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };

/**
 * GitHub ranks security alerts by `security-severity` (0–10): a tenant
 * isolation hole is a data leak, so errors rank high.
 */
export const SECURITY_SEVERITY: Record<Severity, string> = { error: '8.0', warning: '5.0', info: '2.0' };

export const TAGS = ['security', 'postgresql', 'row-level-security', 'multi-tenant'];

/** A relative file path as a URI reference: forward slashes, each segment percent-encoded. */
function fileUri(path: string): string {
  return path.replace(/\\/g, '/').split('/').map(encodeURIComponent).join('/');
}

/** `{ physicalLocation }` for a line of a repository file, or nothing. */
export function physicalLocation(at: SourceLocation | null) {
  if (!at) return {};
  return {
    physicalLocation: {
      artifactLocation: { uri: fileUri(at.file), uriBaseId: '%SRCROOT%' },
      region: { startLine: Math.max(1, at.line) },
    },
  };
}

/** The whole log, one run of tenantguard, as the text written to the report. */
export function sarifLog(version: string, rules: readonly object[], results: readonly object[], properties: object): string {
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'tenantguard',
            version,
            semanticVersion: version,
            informationUri: 'https://www.npmjs.com/package/tenantguard',
            rules,
          },
        },
        columnKind: 'utf16CodeUnits',
        results,
        properties,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
