/**
 * Rendering: a MigrationPlan → SQL text, from the files in templates/migration.
 * Every identifier and literal is quoted through sql/quote.ts before it reaches
 * a template; the output depends only on the plan (no timestamps), so the same
 * audit always yields the same bytes.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { QualifiedName } from '../../catalog/types.js';
import { TenantguardError } from '../../errors.js';
import { displayName, quoteIdent, quoteLiteral, quoteQualified, quoteRole, quoteRoleList } from '../../sql/quote.js';
import { createRoleIfMissing, enableRls, grantExecute, grantOnRelation, forceRls, securityInvokerView, setNotNull, tenantContext, tenantPredicate } from '../../sql/statements.js';
import { TEMPLATES_DIR, fillTemplate, readTemplate } from '../fill-template.js';
import { commentText, display, objectDisplay, wrapComment } from './comment-text.js';
import { renderHeader } from './render-header.js';
import type { AppRoleGrant, MigrationPlan, MigrationStep, PolicyExpression, TenantPredicate } from './types.js';

export type MigrationTemplates = Readonly<Record<string, string>>;

export async function loadMigrationTemplates(): Promise<MigrationTemplates> {
  const files = (await readdir(path.join(TEMPLATES_DIR, 'migration'))).filter((f) => f.endsWith('.sql')).sort();
  const entries = await Promise.all(files.map(async (f) => [f.replace(/\.sql$/, ''), await readTemplate(`migration/${f}`)] as const));
  return Object.fromEntries(entries);
}

export interface RenderedMigration {
  /** Comment block naming what the migration fixes. */
  header: string;
  /** One entry per statement, with its leading comment lines. */
  statements: string[];
  /** The "review required" block: held-back steps, commented out with their reasons ('' when none). */
  review: string;
}

/** The dollar-quote tag of the DO block; an identifier containing it would end the block early. */
const DO_TAG = '$tenantguard$';

export function renderMigration(plan: MigrationPlan, templates: MigrationTemplates): RenderedMigration {
  const guard = plan.createAppRole ? [appRoleGuard(plan.appRole, templates), ...appRoleGrants(plan.appRole, plan.appRoleGrants ?? [], templates)] : [];
  return { header: renderHeader(plan, templates), statements: [...guard, ...renderSteps(plan.steps, templates, true)], review: renderReview(plan, templates) };
}

/** The idempotent CREATE ROLE that opens the file (--create-app-role): before the policies and grants that name the role. */
function appRoleGuard(role: string, templates: MigrationTemplates): string {
  const createRole = createRoleIfMissing(role);
  if (createRole.includes(DO_TAG)) throw new TenantguardError(`the app role's name contains ${DO_TAG}, which this migration uses as a quote tag`, 'create the role in a migration of your own instead of --create-app-role');
  return fill(templates, 'create-app-role', { role_display: commentText(displayName(null, role)), create_role: createRole.replace(/\n/g, '\n  ') }).join('\n');
}

/**
 * The app role's grants after its guard: plain GRANTs (idempotent), the
 * first under the comment that says why. Before the steps, so a REVOKE the
 * migration makes (TRUNCATE) still has the last word.
 */
function appRoleGrants(role: string, grants: readonly AppRoleGrant[], templates: MigrationTemplates): string[] {
  const statements = grants.map((g) => (g.kind === 'relation' ? grantOnRelation(g.privileges, g.relation, role) : grantExecute(g.function, role)));
  if (statements.length === 0) return [];
  const [comment] = fill(templates, 'app-role-grants', { role_display: commentText(displayName(null, role)) });
  return [`${comment}\n${statements[0]}`, ...statements.slice(1)];
}

/**
 * Held-back steps as comments: the kind and reason, then the statements
 * with every line behind `-- `, so nothing of them runs until a person
 * uncomments it (or re-runs with --include).
 */
function renderReview(plan: MigrationPlan, templates: MigrationTemplates): string {
  if (plan.review.length === 0) return '';
  const blocks = plan.review.map((r) => {
    const reason = wrapComment(commentText(r.reason), `-- [${r.kind}] `, '--   ');
    const sql = renderSteps([r.step], templates, false)
      .join('\n\n')
      .split('\n')
      .map((line) => (line.trim() === '' ? '--' : `-- ${line}`))
      .join('\n');
    return `${reason}\n${sql}`;
  });
  const kinds = [...new Set(plan.review.map((r) => r.kind))].sort().join(',');
  return fillTemplate(templates['review']!, { blocks: blocks.join('\n--\n'), kinds }, 'review.sql').replace(/\n+$/, '');
}

function renderSteps(steps: readonly MigrationStep[], templates: MigrationTemplates, sections: boolean): string[] {
  const statements: string[] = [];
  const pendingComments: string[] = [];
  // Statement texts already emitted: a rule's fix often repeats one of the safe shape's statements.
  const emitted = new Set<string>();
  const emit = (name: string, values: Record<string, string>) => {
    for (const chunk of fill(templates, name, values)) {
      if (isCommentOnly(chunk)) pendingComments.push(chunk);
      else {
        emitted.add(withoutComments(chunk));
        statements.push([...pendingComments.splice(0), chunk].join('\n'));
      }
    }
  };
  const emitRaw = (comment: string[], sql: string[]) => {
    const fresh = sql.filter((s) => !emitted.has(withoutComments(s)));
    if (fresh.length === 0) return;
    for (const s of fresh) emitted.add(withoutComments(s));
    statements.push([...pendingComments.splice(0), ...comment, fresh[0]!].join('\n'), ...fresh.slice(1));
  };
  let section: string | null = null;
  for (const step of steps) {
    // Each table's statements sit under a comment naming it.
    const table = sectionOf(step);
    const key = table === null ? null : JSON.stringify([table.schema, table.name]);
    if (sections && table !== null && key !== section) emit('table-section', { table_display: commentText(display(table)) });
    section = key;
    renderStep(step, emit, emitRaw, templates);
  }
  return statements;
}

/** A migration file for runners that apply the file as it is (psql, supabase, plain folders). */
export function renderSqlFile(rendered: RenderedMigration, templates: MigrationTemplates, options: { transaction: boolean }): string {
  const review = rendered.review ? [rendered.review] : [];
  const body = options.transaction
    ? [fill(templates, 'begin', {})[0]!, ...rendered.statements, ...review, fill(templates, 'commit', {})[0]!]
    : [...rendered.statements, ...review];
  return `${rendered.header}\n\n${body.join('\n\n')}\n`;
}

/** drizzle-orm's migrator splits on this marker and runs all migrations in one transaction. */
export const DRIZZLE_BREAKPOINT = '--> statement-breakpoint';

export function renderDrizzleFile(rendered: RenderedMigration): string {
  for (const s of rendered.statements) {
    if (s.includes(DRIZZLE_BREAKPOINT)) {
      throw new TenantguardError(
        `a name in this migration contains "${DRIZZLE_BREAKPOINT}", which drizzle's migrator would split on`,
        'use --layout plain and apply the file with psql',
      );
    }
  }
  const [first, ...rest] = rendered.statements;
  // The review block is comments only: it rides after the last statement rather than becoming an empty one.
  const review = rendered.review ? `\n\n${rendered.review}` : '';
  return `${[`${rendered.header}\n\n${first ?? ''}`, ...rest].join(`\n${DRIZZLE_BREAKPOINT}\n`)}${review}\n`;
}

type Emit = (template: string, values: Record<string, string>) => void;
type EmitRaw = (comment: string[], statements: string[]) => void;

function renderStep(step: MigrationStep, emit: Emit, emitRaw: EmitRaw, templates: MigrationTemplates): void {
  switch (step.kind) {
    case 'add-tenant-column': {
      const last = step.hops.length;
      const source = `t${last}.${quoteIdent(step.sourceColumn)}`;
      const values = {
        table: quoteQualified(step.table.schema, step.table.name),
        table_display: commentText(display(step.table)),
        path: commentText([display(step.table), ...step.hops.map((h) => display(h.to))].join(' → ')),
        tenant_column: quoteIdent(step.predicate.column),
        tenant_column_display: commentText(displayName(null, step.predicate.column)),
        column_type: step.predicate.columnType,
        source,
        from_list: step.hops.map((h, i) => `${quoteQualified(h.to.schema, h.to.name)} AS t${i + 1}`).join(', '),
        join_condition: step.hops
          .flatMap((h, i) => h.columns.map((c, j) => `t${i}.${quoteIdent(c)} = t${i + 1}.${quoteIdent(h.referencedColumns[j]!)}`))
          .join(' AND '),
        tenant_context: tenantContext(step.predicate.contextSetting, step.predicate.columnType),
        set_not_null: setNotNull(step.table, step.predicate.column),
        table_regclass: quoteLiteral(quoteQualified(step.table.schema, step.table.name)),
        constraint_literal: quoteLiteral(step.constraintName),
        constraint: quoteIdent(step.constraintName),
        root: step.root ? quoteQualified(step.root.schema, step.root.name) : '',
        root_key: step.root ? quoteIdent(step.root.key) : '',
        index: quoteIdent(step.indexName),
      };
      if (!step.root) throw new TenantguardError('the tenant root table is unknown', 'set "tenantTable" in tenantguard.config.json');
      if (Object.values(values).some((v) => v.includes(DO_TAG))) {
        throw new TenantguardError(`a name contains ${DO_TAG}, which this migration uses as a quote tag`, 'rename the object first');
      }
      emit('add-tenant-column', values);
      return;
    }
    case 'set-not-null':
      emit('set-not-null', { set_not_null: setNotNull(step.table, step.column) });
      return;
    case 'create-index':
      emit('tenant-index', { table: qualified(step.table), tenant_column: quoteIdent(step.column), index: quoteIdent(step.indexName) });
      return;
    case 'replace-policy': {
      const shape = step.using && step.withCheck ? 'using-check' : step.using ? 'using' : 'check';
      const values: Record<string, string> = {
        policy_display: commentText(`${quoteIdent(step.name)} on ${display(step.table)}`),
        reason: commentText(step.reasons.join(', ')),
        policy: quoteIdent(step.name),
        table: qualified(step.table),
        policy_kind: step.permissive ? 'PERMISSIVE' : 'RESTRICTIVE',
        command: step.command,
        roles: quoteRoleList(step.roles),
      };
      if (step.using) values['using'] = expression(step.using, step.predicate);
      if (step.withCheck) values['with_check'] = expression(step.withCheck, step.predicate);
      emit(`replace-policy-${shape}`, values);
      return;
    }
    case 'enable-rls':
      emit('enable-rls', { enable_rls: enableRls(step.table), force_rls: forceRls(step.table) });
      return;
    case 'tenant-policy': {
      const template = step.permissive ? 'tenant-access-policy' : 'tenant-isolation-policy';
      const { borrowed } = step.predicate;
      const values = {
        policy: quoteIdent(step.name),
        table: qualified(step.table),
        app_role: quoteRole(step.appRole),
        predicate: tenantPredicateSql(step.predicate),
      };
      if (!borrowed) emit(template, values);
      else emit(`${template}-borrowed`, { ...values, source_display: commentText(`${quoteIdent(borrowed.from.policy)} on ${display(borrowed.from)}`) });
      return;
    }
    case 'revoke-truncate':
      emit('revoke-truncate', { table: qualified(step.table), grantees: quoteRoleList(step.grantees) });
      return;
    case 'security-invoker':
      emit('security-invoker', { security_invoker: securityInvokerView(step.view), view_display: commentText(display(step.view)) });
      return;
    case 'rule-fix': {
      const { finding } = step;
      const comment = fill(templates, 'rule-fix', {
        rule: commentText(finding.rule),
        object: commentText(objectDisplay(finding.object)),
        title: commentText(step.title),
      });
      const statements = step.statements.map((s) => {
        if (!s.guard) return s.sql;
        if (s.sql.includes(DO_TAG)) throw new TenantguardError(`a fix of ${finding.rule} contains ${DO_TAG}`, 'apply that fix by hand');
        return fill(templates, 'rerunnable', { statement: s.sql.replace(/\n/g, '\n  ') })[0]!;
      });
      emitRaw(comment, statements);
      return;
    }
  }
}

/** The app's own tenant predicate when borrowed, else the typed, fail-closed one of the safe shape. */
export function tenantPredicateSql(p: TenantPredicate): string {
  return p.borrowed ? p.borrowed.sql : tenantPredicate(p.column, p.contextSetting, p.columnType);
}

/** A policy expression as SQL: the tenant predicate, or the policy's own text kept verbatim. */
export function expression(expr: PolicyExpression, predicate: TenantPredicate): string {
  return expr.kind === 'tenant' ? tenantPredicateSql(predicate) : expr.sql;
}

/** Fills a template and splits it into statements (a template separates them with a blank line). */
function fill(templates: MigrationTemplates, name: string, values: Record<string, string>): string[] {
  const template = templates[name];
  if (template === undefined) throw new Error(`templates/migration/${name}.sql is missing`);
  const unused = Object.keys(values).filter((k) => !template.includes(`{{${k}}}`));
  if (unused.length > 0) throw new Error(`${name}.sql: unused values ${unused.join(', ')}`);
  return template
    .trim()
    .split(/\n[ \t]*\n/)
    .map((chunk) => fillTemplate(chunk, pick(chunk, values), `${name}.sql`));
}

/** Only the values a chunk uses (a template's statements share one set of values). */
function pick(chunk: string, values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([k]) => chunk.includes(`{{${k}}}`)));
}

function withoutComments(chunk: string): string {
  return chunk
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .trim();
}

function isCommentOnly(chunk: string): boolean {
  return chunk.split('\n').every((line) => line.trim() === '' || line.trim().startsWith('--'));
}

/** The table a step belongs to, for steps grouped under a per-table comment. */
function sectionOf(step: MigrationStep): QualifiedName | null {
  switch (step.kind) {
    case 'set-not-null':
    case 'create-index':
    case 'replace-policy':
    case 'enable-rls':
    case 'tenant-policy':
    case 'revoke-truncate':
      return step.table;
    default:
      return null;
  }
}

function qualified(name: QualifiedName): string {
  return quoteQualified(name.schema, name.name);
}

