/**
 * Renders a model expression back as compact SQL text for messages
 * (`current_setting('app.is_superadmin', true) = 'true'`). It is for people,
 * not for execution: fixes never splice printed text into SQL.
 */
import type { Expr, FromItem, Query } from './model.js';

function literal(value: string | number | boolean | null): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
  return String(value);
}

function name(parts: string[]): string {
  return parts.join('.');
}

function paren(e: Expr): string {
  const text = printExpr(e);
  return e.kind === 'and' || e.kind === 'or' || e.kind === 'op' ? `(${text})` : text;
}

export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'const':
      return literal(e.value);
    case 'column':
      return name(e.fields);
    case 'param':
      return `$${e.number}`;
    case 'call':
      return `${name(e.name)}(${e.args.map(printExpr).join(', ')})`;
    case 'sql-value':
      return e.name;
    case 'op':
      return e.left ? `${paren(e.left)} ${e.op} ${paren(e.right)}` : `${e.op} ${paren(e.right)}`;
    case 'op-any':
      return `${paren(e.left)} ${e.op} ${e.all ? 'ALL' : 'ANY'} (${printExpr(e.right)})`;
    case 'in':
      return `${paren(e.left)} ${e.negated ? 'NOT IN' : 'IN'} (${e.list.map(printExpr).join(', ')})`;
    case 'distinct':
      return `${paren(e.left)} IS ${e.negated ? 'NOT ' : ''}DISTINCT FROM ${paren(e.right)}`;
    case 'and':
    case 'or':
      return e.args.map(paren).join(e.kind === 'and' ? ' AND ' : ' OR ');
    case 'not':
      return `NOT ${paren(e.arg)}`;
    case 'cast':
      return `${e.arg.kind === 'column' || e.arg.kind === 'call' || e.arg.kind === 'const' ? printExpr(e.arg) : `(${printExpr(e.arg)})`}::${e.type}`;
    case 'nullif':
      return `NULLIF(${printExpr(e.left)}, ${printExpr(e.right)})`;
    case 'coalesce':
      return `COALESCE(${e.args.map(printExpr).join(', ')})`;
    case 'null-test':
      return `${paren(e.arg)} IS ${e.isNull ? '' : 'NOT '}NULL`;
    case 'bool-test':
      return `${paren(e.arg)} ${e.test.replace(/_/g, ' ')}`;
    case 'array':
      return `ARRAY[${e.elements.map(printExpr).join(', ')}]`;
    case 'sublink': {
      const q = `(${printQuery(e.query)})`;
      if (e.link === 'exists') return `EXISTS ${q}`;
      if (e.link === 'array') return `ARRAY${q}`;
      if (e.link === 'any' && e.test) return `${paren(e.test)} IN ${q}`;
      if (e.link === 'all' && e.test) return `${paren(e.test)} ${e.op ?? '='} ALL ${q}`;
      return q;
    }
    case 'other':
      // `(storage.foldername(name))[1]`: an element of an array, as policies on storage paths take it
      if (e.label === 'A_Indirection' && e.children[0] && e.children.slice(1).every((c) => c.kind === 'other' && c.label === 'A_Indices')) {
        const [base, ...indices] = e.children as [Expr, ...Extract<Expr, { kind: 'other' }>[]];
        return `(${printExpr(base)})${indices.map((i) => `[${i.children.map(printExpr).join(':')}]`).join('')}`;
      }
      return `${e.label.toLowerCase()}(…)`;
  }
}

function printFrom(f: FromItem): string {
  switch (f.kind) {
    case 'relation':
      return `${f.schema ? `${f.schema}.` : ''}${f.name}${f.alias ? ` ${f.alias}` : ''}`;
    case 'function':
      return `${printExpr(f.call)}${f.alias ? ` ${f.alias}` : ''}`;
    case 'subquery':
      return `(${printQuery(f.query)})${f.alias ? ` ${f.alias}` : ''}`;
    case 'join':
      return `${printFrom(f.left)} JOIN ${printFrom(f.right)}${f.on ? ` ON ${printExpr(f.on)}` : ''}`;
  }
}

export function printQuery(q: Query): string {
  if (q.setOp) return `${printQuery(q.setOp.left)} ${q.setOp.op.toUpperCase()} ${printQuery(q.setOp.right)}`;
  let text = `SELECT ${q.targets.map(printExpr).join(', ')}`;
  if (q.from.length > 0) text += ` FROM ${q.from.map(printFrom).join(', ')}`;
  if (q.where) text += ` WHERE ${printExpr(q.where)}`;
  return text;
}
