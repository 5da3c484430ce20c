import { nodeAs, stringsOf, tagged, type Node } from '../../sql/parse-tree.js';
import { loadParser } from '../../sql/parser.js';
import type { CreatedObject, UnavailableState } from '../types.js';
import { extensionProvides } from './extension-objects.js';

interface PostgresError {
  message?: string;
  code?: string;
}

/** An object a failed statement names but that does not exist, read from Postgres' error message. */
interface UndefinedObject {
  kind: 'relation' | 'type' | 'function' | 'schema' | 'extension' | 'other';
  schema?: string | null;
  name: string;
  /** For "operator does not exist: geometry && geometry": the operand types. */
  operands?: string[];
}

const NAMED = /^(relation|type|schema|extension|access method|language|operator class|operator family|text search configuration) "([^"]+)" does not exist/;

/** What Postgres says is missing (42P01, 42704, 42883, 3F000), or null for any other error. */
export function undefinedObjectOf(error: unknown): UndefinedObject | null {
  const { code, message = '' } = (error ?? {}) as PostgresError;
  if (!['42P01', '42704', '42883', '3F000'].includes(code ?? '')) return null;
  const first = message.split('\n', 1)[0]!;
  const named = NAMED.exec(first);
  if (named) {
    const kind = named[1] === 'relation' || named[1] === 'type' || named[1] === 'schema' || named[1] === 'extension' ? named[1] : 'other';
    return { kind, ...qualifiedName(named[2]!) };
  }
  const fn = /^(?:function|procedure) ([^(\s]+)\(/.exec(first);
  if (fn) return { kind: 'function', ...qualifiedName(fn[1]!) };
  const operator = /^operator does not exist: (.*)$/.exec(first);
  if (operator) {
    // "geometry && geometry", "- vector": the words are the operand types
    const operands = operator[1]!.split(/\s+/).filter((t) => /^[A-Za-z_][\w.]*(\[\])?$/.test(t)).map((t) => t.replace(/\[\]$/, ''));
    return { kind: 'other', name: '', operands };
  }
  return null;
}

function qualifiedName(text: string): { schema: string | null; name: string } {
  const dot = text.lastIndexOf('.');
  return dot > 0 ? { schema: text.slice(0, dot), name: text.slice(dot + 1) } : { schema: null, name: text };
}

/** The names a statement creates, from its parse tree (tables with their columns, for the tenant-table check). */
export async function objectsCreatedBy(sql: string): Promise<CreatedObject[]> {
  let stmts: { stmt?: Node }[];
  try {
    stmts = (await loadParser()).parse(sql).stmts ?? [];
  } catch {
    return [];
  }
  const created: CreatedObject[] = [];
  for (const { stmt } of stmts) {
    if (!stmt) continue;
    const s = tagged(stmt);
    if (s.tag === 'CreateStmt') {
      const columns = (s.fields.tableElts ?? []).map((e) => nodeAs(e, 'ColumnDef')?.colname).filter((c): c is string => !!c);
      created.push({ kind: 'table', schema: s.fields.relation?.schemaname ?? null, name: s.fields.relation?.relname ?? '', columns });
    } else if (s.tag === 'ViewStmt') {
      created.push({ kind: 'view', schema: s.fields.view?.schemaname ?? null, name: s.fields.view?.relname ?? '' });
    } else if (s.tag === 'CreateTableAsStmt') {
      created.push({ kind: 'table', schema: s.fields.into?.rel?.schemaname ?? null, name: s.fields.into?.rel?.relname ?? '' });
    } else if (s.tag === 'CreateFunctionStmt') {
      created.push({ kind: 'function', ...fromNames(stringsOf(s.fields.funcname)) });
    } else if (s.tag === 'CompositeTypeStmt') {
      created.push({ kind: 'type', schema: s.fields.typevar?.schemaname ?? null, name: s.fields.typevar?.relname ?? '' });
    } else if (s.tag === 'CreateEnumStmt') {
      created.push({ kind: 'type', ...fromNames(stringsOf(s.fields.typeName)) });
    } else if (s.tag === 'CreateDomainStmt') {
      created.push({ kind: 'type', ...fromNames(stringsOf(s.fields.domainname)) });
    } else if (s.tag === 'CreateSchemaStmt') {
      created.push({ kind: 'schema', schema: null, name: s.fields.schemaname ?? '' });
    }
  }
  return created.filter((c) => c.name !== '');
}

function fromNames(names: string[]): { schema: string | null; name: string } {
  return { schema: names.length > 1 ? names[names.length - 2]! : null, name: names[names.length - 1] ?? '' };
}

const KIND_OF: Record<CreatedObject['kind'], UndefinedObject['kind']> = {
  table: 'relation',
  view: 'relation',
  function: 'function',
  type: 'type',
  schema: 'schema',
};

/**
 * What the embedded engine cannot provide in this run: extensions it does not
 * ship that a migration created, and the objects of statements skipped for
 * them. A failed statement is skipped only when the object it fails on is
 * one of those — an extension's type, function or schema, or a table,
 * function or type that a skipped statement would have created — so an
 * unrelated error is still an error.
 */
export class UnavailablePieces {
  private readonly extensions: Set<string>;
  private readonly skipped: { object: CreatedObject; at: string }[];

  /** Empty, or what applying earlier files left (restored with a snapshot of the engine after them). */
  constructor(earlier?: UnavailableState) {
    this.extensions = new Set(earlier?.extensions ?? []);
    this.skipped = [...(earlier?.skipped ?? [])];
  }

  /** What a snapshot of the engine must carry for later files to be skipped as they would be without it. */
  state(): UnavailableState {
    return { extensions: [...this.extensions], skipped: this.skipped.map(({ object, at }) => ({ object, at })) };
  }

  /** Why the failed statement may be skipped, or null when its error is real. */
  reasonToSkip(error: unknown): string | null {
    const pgError = (error ?? {}) as PostgresError;
    const missing = pgError.code === '0A000' ? /extension "([^"]+)" is not available/.exec(pgError.message ?? '') : null;
    if (missing) {
      this.extensions.add(missing[1]!);
      return `extension "${missing[1]}" is not available in the embedded engine`;
    }
    const object = undefinedObjectOf(error);
    if (!object) return null;
    const what = pgError.message!.split('\n', 1)[0]!;
    for (const extension of this.extensions) {
      if (this.fromExtension(extension, object)) return `${what} (extension "${extension}" would create it; it is not available in the embedded engine)`;
    }
    const earlier = this.skipped.find(({ object: created }) => sameObject(created, object));
    if (earlier) return `${what} (created by the skipped statement at ${earlier.at})`;
    return null;
  }

  /** Remember what a skipped statement would have created, so statements that use it are skipped too. */
  recordSkipped(created: readonly CreatedObject[], at: string): void {
    for (const object of created) this.skipped.push({ object, at });
  }

  /** Extensions that were not available, for the hint of a later unexplained error. */
  get unavailableExtensions(): string[] {
    return [...this.extensions];
  }

  private fromExtension(extension: string, object: UndefinedObject): boolean {
    if (object.kind === 'extension') return object.name === extension;
    if (object.operands) {
      return object.operands.some((type) => extensionProvides(extension, { ...qualifiedName(type), schema: null }) || this.skippedType(type));
    }
    return extensionProvides(extension, { schema: object.schema ?? null, name: object.name }) ||
      (object.kind === 'schema' && extensionProvides(extension, { name: object.name }));
  }

  private skippedType(type: string): boolean {
    const { name } = qualifiedName(type);
    return this.skipped.some(({ object }) => object.kind === 'type' && object.name === name);
  }
}

function sameObject(created: CreatedObject, missing: UndefinedObject): boolean {
  if (created.name !== missing.name) return false;
  // a table or view is also the type of its rows (RETURNS SETOF sites)
  const rowType = missing.kind === 'type' && (created.kind === 'table' || created.kind === 'view');
  if (KIND_OF[created.kind] !== missing.kind && !rowType) return false;
  return missing.schema == null || created.schema === null || created.schema === missing.schema;
}
