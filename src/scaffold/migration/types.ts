import type { PolicyCommand, QualifiedName } from '../../catalog/types.js';
import type { Finding } from '../../check/types.js';

/**
 * Rules whose findings the migration resolves with its own statements (the
 * safe shape per table, replaced policies, views, grants). Findings of other
 * rules are fixed only when the rule offers `fix.sql`, which is collected.
 */
export const RULES_FIXED_BY_SCAFFOLD: readonly string[] = [
  'tenant-column-missing',
  'tenant-column-nullable',
  'rls-disabled',
  'rls-not-forced',
  'rls-enabled-no-policy',
  'partition-rls-disabled',
  'with-check-missing',
  'read-not-tenant-scoped',
  'write-check-not-tenant-scoped',
  'policy-casts-tenant-column',
  'context-not-wrapped',
  'policy-to-public',
  'tenant-column-unindexed',
  'view-bypasses-rls',
  'truncate-granted',
];

/** Findings on a policy that make the scaffold recreate it (by name) in the safe form. */
export const POLICY_REPLACING_RULES: readonly string[] = [
  'with-check-missing',
  'policy-casts-tenant-column',
  'context-not-wrapped',
  'policy-to-public',
];

/**
 * Kinds of steps that change what the app can do, not only which tenant's
 * rows it reaches. They are written commented out, under "review required",
 * unless `--include <kind>` selects them (docs/scaffold-migration.md#review-required).
 */
export const REVIEW_KINDS = ['unique-scope', 'not-null', 'restrictive-policy', 'policy-rewrite', 'matview-replace', 'cluster-setting'] as const;
export type ReviewKind = (typeof REVIEW_KINDS)[number];

/** A behaviour-changing step held back for review, and why. */
export interface ReviewStep {
  kind: ReviewKind;
  /** One sentence for the comment above it (plain text). */
  reason: string;
  step: MigrationStep;
}

/** The held steps of one kind, as the question on a terminal presents them. */
export interface HeldKind {
  kind: ReviewKind;
  /** What steps of this kind take away (plain text). */
  reason: string;
  /** The objects they would change, displayed. */
  objects: string[];
}

export interface MigrationOptions {
  /** The role the app connects as; policies are created `TO` it. */
  appRole: string;
  tenantColumn: string;
  contextSetting: string;
  /** `table` or `schema.table`; null = every flagged tenant table. */
  tables: string[] | null;
  /** Behaviour-changing kinds written as statements rather than held for review (default: none). */
  include?: readonly ReviewKind[];
}

/** A policy expression: the typed tenant predicate, or kept verbatim (pg_get_expr text). */
export type PolicyExpression = { kind: 'tenant' } | { kind: 'verbatim'; sql: string };

export interface TenantPredicate {
  column: string;
  /** format_type() of the column: a type expression Postgres already quoted. */
  columnType: string;
  contextSetting: string;
  /**
   * The app's own tenant predicate (pg_get_expr text of one of its policies),
   * used instead of the context setting when no policy reads that setting.
   */
  borrowed: { sql: string; from: QualifiedName & { policy: string } } | null;
}

export type MigrationStep =
  | {
      kind: 'add-tenant-column';
      table: QualifiedName;
      predicate: TenantPredicate;
      /** FK path the backfill joins along, first hop from `table`. */
      hops: { from: QualifiedName; to: QualifiedName; columns: string[]; referencedColumns: string[] }[];
      /** Column of the last hop's table that holds the tenant id (the tenant column, or the root's key). */
      sourceColumn: string;
      root: (QualifiedName & { key: string }) | null;
      constraintName: string;
      indexName: string;
    }
  | { kind: 'set-not-null'; table: QualifiedName; column: string }
  | { kind: 'create-index'; table: QualifiedName; column: string; indexName: string }
  | {
      kind: 'replace-policy';
      table: QualifiedName;
      name: string;
      command: PolicyCommand;
      permissive: boolean;
      roles: string[];
      using: PolicyExpression | null;
      withCheck: PolicyExpression | null;
      predicate: TenantPredicate;
      /** Rule ids that asked for it. */
      reasons: string[];
    }
  | { kind: 'enable-rls'; table: QualifiedName }
  | { kind: 'tenant-policy'; table: QualifiedName; name: string; permissive: boolean; appRole: string; predicate: TenantPredicate }
  | { kind: 'revoke-truncate'; table: QualifiedName; grantees: string[] }
  | { kind: 'security-invoker'; view: QualifiedName }
  | {
      kind: 'rule-fix';
      finding: Finding;
      title: string;
      /** `guard`: fails when re-run (it creates something), so it is wrapped to treat "already exists" as done. */
      statements: { sql: string; guard: boolean }[];
    };

export interface MigrationPlan {
  tables: QualifiedName[];
  appRole: string;
  tenantColumn: string;
  contextSetting: string;
  /** Findings the migration resolves, in report order. */
  findings: Finding[];
  /** Human notes for the header (plain text, one per entry). */
  notes: string[];
  steps: MigrationStep[];
  /** Behaviour-changing steps not selected with --include: written commented out. */
  review: ReviewStep[];
  /** Kinds selected with --include that had steps (written as statements). */
  included: ReviewKind[];
  /**
   * `--create-app-role`, when no migration creates the app role: the file
   * opens by creating it NOLOGIN if it is missing (render.ts).
   */
  createAppRole?: boolean;
  /**
   * With `createAppRole`: the grants the app role holds in the audited
   * database, written after the guard so that a database the guard creates
   * the role in (and the offline audit's embedded engine) gets them too.
   */
  appRoleGrants?: AppRoleGrant[];
}

/** One object the app role holds privileges on (grants to it by name, not through PUBLIC or a group role). */
export type AppRoleGrant =
  | { kind: 'relation'; relation: QualifiedName; privileges: string[] }
  | { kind: 'function'; function: QualifiedName & { identityArguments: string } };
