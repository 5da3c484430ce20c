/**
 * Supabase's storage.objects and realtime.messages carry no tenant column:
 * the tenant is part of the object's path (`<organization id>/report.pdf`,
 * read as `(storage.foldername(name))[1]`) or of the channel's topic
 * (`org:<id>`, read as `split_part(realtime.topic(), ':', 2)`). On these
 * tables a part of a column is judged as the column itself, so comparing it
 * with the caller's tenants or user pins the row exactly as a tenant column
 * would be pinned; anything compared with a constant stays unconstrained.
 * realtime.topic() is the topic of the channel being joined, which Realtime
 * checks by reading the messages of that topic: it stands for the row's topic.
 */
import type { Table } from '../catalog/types.js';
import type { Env } from './env.js';
import type { Expr } from './model.js';
import { printExpr } from './print.js';
import type { Term } from './terms.js';

export interface Surface {
  schema: string;
  name: string;
  /** The column that splits rows into sets the app names by constants: the bucket, the kind of channel message. */
  partition: string;
}

export const SURFACES: readonly Surface[] = [
  { schema: 'storage', name: 'objects', partition: 'bucket_id' },
  { schema: 'realtime', name: 'messages', partition: 'extension' },
];

export function surfaceOf(table: Table | null): Surface | null {
  return table ? (SURFACES.find((s) => s.schema === table.schema && s.name === table.name) ?? null) : null;
}

/** Functions that return a part of their first argument (a path segment, a piece of a topic). */
const EXTRACTORS = new Set(['split_part', 'substring', 'substr', 'left', 'right', 'string_to_array', 'regexp_split_to_array']);
const STORAGE_EXTRACTORS = new Set(['foldername', 'filename']);

type ColumnTerm = Extract<Term, { t: 'column' }>;

function columnOf(e: Expr | undefined, env: Env): ColumnTerm | null {
  if (!e) return null;
  const t = env.evaluator.term(e, env);
  return t.t === 'column' ? t : null;
}

function isStringConst(e: Expr): boolean {
  if (e.kind === 'cast') return isStringConst(e.arg);
  return e.kind === 'const' && typeof e.value === 'string';
}

/** The column a part of which `e` is, on a surface's policy; null for anything else. */
export function derivedKey(e: Expr, env: Env): Term | null {
  const surface = surfaceOf(env.focus.table);
  if (surface === null) return null;
  const text = printExpr(e);
  const as = (c: ColumnTerm | null): Term | null => (c ? { ...c, cast: null, text } : null);
  switch (e.kind) {
    case 'call': {
      const fname = e.name.at(-1)!.toLowerCase();
      const schema = e.name.length > 1 ? e.name.at(-2)! : null;
      if (surface.schema === 'realtime' && schema === 'realtime' && fname === 'topic' && e.args.length === 0) {
        return env.focus.columns?.has('topic') ? { t: 'column', entry: env.focus, column: 'topic', cast: null, text } : null;
      }
      const extracts = (EXTRACTORS.has(fname) && (schema === null || schema === 'pg_catalog')) || (STORAGE_EXTRACTORS.has(fname) && schema === 'storage');
      return extracts ? as(columnOf(e.args[0], env)) : null;
    }
    case 'other':
      // `(storage.foldername(name))[1]`, `path_tokens[1]`: an element of an array taken from the column
      return e.label === 'A_Indirection' ? as(columnOf(e.children[0], env)) : null;
    case 'op': {
      // `'org:' || organization_id` equals the topic exactly when organization_id is the topic's suffix:
      // a constant prefix or suffix keeps the value, the caller's tenants or user, it is glued to
      if (e.op !== '||' || e.left === null) return null;
      const rest = isStringConst(e.left) ? e.right : isStringConst(e.right) ? e.left : null;
      const t = rest ? env.evaluator.term(rest, env) : null;
      if (t?.t === 'column') return as(t);
      if (t?.t === 'set') return { ...t, text };
      return t?.t === 'context' && t.ctx.principal ? { t: 'context', ctx: { ...t.ctx, text } } : null;
    }
    default:
      return null;
  }
}
