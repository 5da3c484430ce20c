import type { Severity } from '../config/types.js';
import type { Fix, FindingObject, SourceLocation } from '../rules/types.js';

export interface Finding {
  rule: string;
  severity: Severity;
  object: FindingObject;
  message: string;
  fix: Fix | null;
  /** Stable across runs, reorderings and unrelated schema changes. */
  fingerprint: string;
  /** Relative path of the rule's documentation page: docs/rules/<id>.md */
  docs: string;
  /**
   * Offline audits only: the migration file and line that created or last
   * changed the object (or that the rule points at). Not part of the fingerprint.
   */
  location?: SourceLocation;
}

export interface Source {
  kind: 'database' | 'migrations';
  /** Database name, or the migrations folder. */
  name: string;
}

export interface Summary {
  error: number;
  warning: number;
  info: number;
  tables: number;
  tenantTables: number;
}

export interface AuditResult {
  tool: 'tenantguard';
  version: string;
  schemaVersion: 1;
  source: Source;
  findings: Finding[];
  summary: Summary;
}
