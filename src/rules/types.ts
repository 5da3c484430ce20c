import type { Catalog } from '../catalog/types.js';
import type { Config, Severity } from '../config/types.js';
import type { PolicySemantics } from '../tenancy/effective.js';
import type { MigrationHistory, SourceLocation } from '../db/types.js';
import type { Fix } from '../sql/statements.js';
import type { FindingObject } from '../sql/object-name.js';
import type { Tenancy } from '../tenancy/types.js';

// Defined where they are produced; re-exported for rules and the public API.
export type { MigrationAction, MigrationHistory, SourceLocation, TrackedObject } from '../db/types.js';
export type { FindingObject, ObjectKind } from '../sql/object-name.js';
export type { Fix } from '../sql/statements.js';

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
  /** Where the problem is in a migration file, when the rule knows (offline audits). */
  location?: SourceLocation;
  /**
   * The objects whose own findings explain this problem: the policy whose
   * loose USING makes the table readable across tenants, the role that owns
   * the table. When every one of them has a finding, this problem is reported
   * inside that finding as a consequence instead of on its own (check/root-causes.ts).
   * Only problems marked `rootCause` on those objects count. A problem may
   * name its own object: it then yields to another root cause found on it.
   */
  causes?: FindingObject[];
  /**
   * This problem is what makes others happen (a loose policy, a role that
   * skips RLS, a table without RLS): problems naming its object in `causes`
   * are reported inside it.
   */
  rootCause?: boolean;
  /**
   * What the problem lets happen, in one short clause (`app_user can SELECT
   * rows of any organization in public.projects`): how it is listed when it is
   * reported inside its cause. The message is used when absent.
   */
  impact?: string;
}

/** Everything a rule may look at. Pure data: rules do no I/O. */
export interface RuleContext {
  catalog: Catalog;
  tenancy: Tenancy;
  config: Config;
  /** Policies as Postgres applies them: per-clause analysis and effective access per tenant table × role × command. */
  policies: PolicySemantics;
  /** Offline audits only: the migration files the database was built from. */
  migrations?: MigrationHistory;
}

export interface Rule {
  id: string;
  title: string;
  defaultSeverity: Severity;
  /** One sentence: what the rule protects against (for `rules`, SARIF and docs). */
  description: string;
  check(ctx: RuleContext): Problem[];
}
