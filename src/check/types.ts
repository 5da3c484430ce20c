import type { Severity } from '../config/types.js';
import type { Source, SourceLocation } from '../db/types.js';
import type { FindingObject } from '../sql/object-name.js';
import type { Fix } from '../sql/statements.js';

export type { Source } from '../db/types.js';

/** A finding reported inside the finding that explains it (its root cause). */
export interface RelatedFinding {
  rule: string;
  severity: Severity;
  object: FindingObject;
  message: string;
  /** Problem.impact: the short form listed under the root cause. */
  impact?: string;
  /** The fingerprint it would have on its own. */
  fingerprint: string;
  location?: SourceLocation;
}

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
  /** The objects whose findings explain this one (from the rule's problem); consumed by collapseRootCauses. */
  causes?: FindingObject[];
  /** Problem.impact: the short form used when this finding is listed under its root cause. */
  impact?: string;
  /** Problem.rootCause: findings naming this object as their cause fold into this one. */
  rootCause?: boolean;
  /** Consequences folded into this finding by collapseRootCauses: the tables, commands and roles it opens. */
  related?: RelatedFinding[];
  /** In an audit of several databases: which one (`host:port/database`). */
  source?: string;
}

export interface Summary {
  error: number;
  warning: number;
  info: number;
  tables: number;
  tenantTables: number;
  /** Schemas the `schemaPerTenant` glob matched; present only when one is configured. */
  tenantSchemas?: number;
}

/** One database of an audit of several: its counts, or why it could not be audited. */
export interface SourceSummary {
  name: string;
  summary?: Summary;
  failed?: string;
}

export interface AuditResult {
  tool: 'tenantguard';
  version: string;
  schemaVersion: 1;
  source: Source;
  findings: Finding[];
  summary: Summary;
  /** An audit of several databases: one entry per database, in the order given. */
  sources?: SourceSummary[];
}
