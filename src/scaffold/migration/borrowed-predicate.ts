/**
 * Apps whose tenant does not come from the context setting — Supabase-style
 * `auth.uid()` with a membership table or a helper such as
 * `is_org_member(organization_id)` — never set `app.current_org_id`, so the
 * setting-based safe shape would deny them everything. For those apps the
 * scaffold reuses the app's own tenant predicate: a USING clause that the
 * policy analysis judges tenant-scoped and that can be moved to another table
 * unchanged (it names only the tenant column of its own table, unqualified).
 */
import type { QualifiedName, Table } from '../../catalog/types.js';
import type { PolicySemantics } from '../../tenancy/effective.js';
import type { Tenancy } from '../../tenancy/types.js';
import { policyApplies } from './policies.js';
import { nodeAs, type Node } from '../../sql/parse-tree.js';
import type { SqlParser } from '../../sql/parser.js';

export interface BorrowedPredicate {
  /** pg_get_expr text of the clause. */
  sql: string;
  from: QualifiedName & { policy: string };
  /** Tables the expression reads directly: putting it on one of them would recurse (the policy re-applies to its own subquery). */
  reads: QualifiedName[];
}

/**
 * Every transplantable tenant predicate of the app role's permissive read
 * policies (SELECT or ALL: their USING says which tenants' rows a member
 * sees; an UPDATE or DELETE policy's USING is often narrower, e.g. admins
 * only). The predicate the app uses on most tables comes first, then table
 * and policy order.
 */
export function borrowablePredicates(
  tenancy: Tenancy,
  semantics: PolicySemantics,
  appRole: string,
  parser: SqlParser,
): BorrowedPredicate[] {
  const out: BorrowedPredicate[] = [];
  for (const { table } of tenancy.tenantTables) {
    for (const policy of [...table.policies].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (!policy.permissive || policy.using === null || !policyApplies(policy, appRole, tenancy.roles)) continue;
      if (policy.command !== 'SELECT' && policy.command !== 'ALL') continue;
      if (policy.dependsOn.columns.length !== 1 || policy.dependsOn.columns[0] !== tenancy.tenantColumn) continue;
      if (semantics.clause(table, policy, 'using')?.verdict.scope !== 'tenant') continue;
      const node = parser.parseExpression(policy.using);
      if (!node) continue;
      const facts = expressionFacts(node);
      // `projects.organization_id` would still point at projects from another table.
      if (facts.qualifiers.some((q) => q === table.name)) continue;
      out.push({ sql: policy.using, from: { schema: table.schema, name: table.name, policy: policy.name }, reads: facts.relations.map((r) => ({ schema: r.schema ?? table.schema, name: r.name })) });
    }
  }
  const uses = new Map<string, number>();
  for (const c of out) uses.set(c.sql, (uses.get(c.sql) ?? 0) + 1);
  return out.map((c, i) => ({ c, i })).sort((a, b) => uses.get(b.c.sql)! - uses.get(a.c.sql)! || a.i - b.i).map(({ c }) => c);
}

/** The first predicate that does not read `table` itself. */
export function predicateFor(table: Table, candidates: readonly BorrowedPredicate[]): BorrowedPredicate | null {
  return candidates.find((c) => !c.reads.some((r) => r.schema === table.schema && r.name === table.name)) ?? null;
}

interface Facts {
  /** First parts of qualified column references (`t.col` → `t`). */
  qualifiers: string[];
  relations: { schema: string | null; name: string }[];
}

function expressionFacts(root: Node): Facts {
  const facts: Facts = { qualifiers: [], relations: [] };
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const ref = nodeAs(node as Node, 'ColumnRef');
    if (ref) {
      const fields = ref.fields ?? [];
      const qualifier = fields.length >= 2 ? nodeAs(fields[fields.length - 2], 'String')?.sval : undefined;
      if (typeof qualifier === 'string') facts.qualifiers.push(qualifier);
    }
    const range = nodeAs(node as Node, 'RangeVar');
    if (range?.relname !== undefined) facts.relations.push({ schema: range.schemaname ?? null, name: range.relname });
    for (const value of Object.values(node)) visit(value);
  };
  visit(root);
  return facts;
}
