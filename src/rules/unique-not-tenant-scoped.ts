import type { Index, Table } from '../catalog/types.js';
import { displayName, quoteIdent, quoteIdentList, quoteQualified } from '../sql/quote.js';
import { tableLabel, tenantNoun } from '../tenancy/describe-policy.js';
import type { Tenancy } from '../tenancy/types.js';
import { defineRule } from './define-rule.js';
import type { Fix, Problem } from './types.js';

function fixFor(tenancy: Tenancy, table: Table, index: Index): Fix | null {
  const columns = index.columns;
  if (index.partial || columns.some((c) => c === null)) return null;
  const keyed = [tenancy.tenantColumn, ...(columns as string[])];
  const target = quoteQualified(table.schema, table.name);
  if (index.constraint) {
    return {
      title: `Scope ${index.constraint} to the tenant`,
      sql: `ALTER TABLE ${target} DROP CONSTRAINT ${quoteIdent(index.constraint)},\n  ADD CONSTRAINT ${quoteIdent(index.constraint)} UNIQUE (${quoteIdentList(keyed)});`,
    };
  }
  return {
    title: `Scope ${index.name} to the tenant`,
    sql: `DROP INDEX ${quoteQualified(table.schema, index.name)};\nCREATE UNIQUE INDEX ${quoteIdent(index.name)} ON ${target} (${quoteIdentList(keyed)});`,
  };
}

/**
 * Values that must stay unique across every tenant: secrets and their hashes,
 * tokens, identifiers issued by another system. Scoping them to the tenant
 * would let two tenants hold the same token; they are left alone.
 */
const GLOBAL_VALUE =
  /(token|hash|secret|digest|signature|nonce|salt|fingerprint|checksum|external|stripe|paddle|provider|oauth|openid|session|idempotency|uuid|guid|api_?key|storage_?key|object_?key|invite|invitation)/;

/** Keys users choose per tenant (a project's slug, a member's email): the duplicate-key error crosses tenants. */
const NATURAL_KEY = /(^|_)(slug|name|handle|email|username|login|title|label|domain|subdomain|path|sku|phone|number|reference|key)$/;

type Kind = 'global' | 'natural' | 'other';

/** What the key's columns (or, for an expression key, the words of its definition) say about its values. */
function keyKind(index: Index): Kind {
  const names = index.columns.filter((c): c is string => c !== null).map((c) => c.toLowerCase());
  const words = index.columns.includes(null) && index.definition ? (index.definition.match(/\(([^]*)\)/)?.[1] ?? '').toLowerCase().match(/[a-z_][a-z0-9_]*/g) ?? [] : [];
  const all = [...names, ...words];
  if (all.some((w) => GLOBAL_VALUE.test(w))) return 'global';
  if (names.length > 0 && names.every((n) => NATURAL_KEY.test(n))) return 'natural';
  if (names.length === 0 && words.some((w) => NATURAL_KEY.test(w))) return 'natural';
  return 'other';
}

export default defineRule({
  id: 'unique-not-tenant-scoped',
  title: 'Unique key not scoped to the tenant',
  defaultSeverity: 'info',
  description:
    'A UNIQUE constraint or index on a tenant table without the tenant column is checked across all tenants: for a key users choose per tenant (slug, name, email) the duplicate-key error tells one tenant what another already has.',
  check({ tenancy }) {
    const problems: Problem[] = [];
    for (const { table, direct } of tenancy.tenantTables) {
      // partitions carry copies of the parent's indexes: reported once, on the parent
      if (!direct || table.partitionOf !== null || table.kind === 'foreign-table') continue;
      const primary = table.constraints.find((c) => c.type === 'primary-key')?.columns ?? [];
      for (const index of table.indexes) {
        if (!index.unique || index.primary || index.columns.includes(tenancy.tenantColumn)) continue;
        // a key that contains the primary key cannot tell more than the primary key does
        if (primary.length > 0 && primary.every((c) => index.columns.includes(c))) continue;
        const kind = index.constraint ? 'constraint' : 'index';
        const name = index.constraint ?? index.name;
        const columns = index.columns.map((c) => c ?? '(expression)').join(', ');
        const noun = tenantNoun(tenancy);
        const head = `unique ${kind} ${displayName(null, name)} on ${tableLabel(table)} (${columns}) does not include ${tenancy.tenantColumn}`;
        const object = { kind, schema: table.schema, name, table: table.name } as const;
        const nature = keyKind(index);
        if (nature === 'global') {
          problems.push({
            object,
            message:
              `${head}: its values (a token, a hash, an identifier issued elsewhere) must stay unique across every ${noun}, ` +
              'so keep the key as it is; only make sure they are unguessable, so that a duplicate-key error reveals nothing',
          });
          continue;
        }
        problems.push({
          object,
          ...(nature === 'natural' ? { severity: 'warning' as const } : {}),
          message:
            `${head}: uniqueness is checked across every ${noun}, so a duplicate-key error tells one ${noun} that another already uses the value ` +
            '(constraint checks are not subject to row level security)' +
            (nature === 'natural' ? '' : `; scope it if the value is chosen per ${noun}, keep it if it must be unique everywhere`),
          fix: fixFor(tenancy, table, index),
        });
      }
    }
    return problems;
  },
});
