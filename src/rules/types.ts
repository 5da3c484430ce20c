import type { Catalog } from '../catalog/types.js';
import type { Config, Severity } from '../config/types.js';
import type { Tenancy } from '../tenancy/types.js';

export type ObjectKind =
  | 'table'
  | 'policy'
  | 'view'
  | 'materialized-view'
  | 'function'
  | 'role'
  | 'column'
  | 'constraint'
  | 'index'
  | 'database';

/** What a finding is about. `schema` is null for roles and the database. */
export interface FindingObject {
  kind: ObjectKind;
  schema: string | null;
  name: string;
  /** The table a policy, column, constraint or index belongs to. */
  table?: string;
}

export interface Fix {
  title: string;
  /** Built only through sql/quote.ts. */
  sql: string;
}

/** What a rule reports; the engine turns it into a Finding. */
export interface Problem {
  object: FindingObject;
  message: string;
  fix?: Fix | null;
  /** Overrides the rule's default severity for this problem (e.g. reachability decides). */
  severity?: Severity;
  /**
   * Extra stable text that distinguishes two problems of the same rule on the
   * same object (e.g. the role); part of the fingerprint. Never include
   * anything that changes between runs (oids, timestamps).
   */
  key?: string;
}

/** Everything a rule may look at. Pure data: rules do no I/O. */
export interface RuleContext {
  catalog: Catalog;
  tenancy: Tenancy;
  config: Config;
}

export interface Rule {
  id: string;
  title: string;
  defaultSeverity: Severity;
  /** One sentence: what the rule protects against (for `rules`, SARIF and docs). */
  description: string;
  check(ctx: RuleContext): Problem[];
}
