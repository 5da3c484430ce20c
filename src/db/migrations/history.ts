import { nodeAs, stringsOf, tagged, type Node, type NodeOf, type RangeVar } from '../../sql/parse-tree.js';
import { loadParser } from '../../sql/parser.js';
import type { MigrationAction, MigrationFile, MigrationHistory, SkippedStatement, SourceLocation, TrackedObject } from '../types.js';
import { countNewlines, leadingTriviaLength } from './text-position.js';

/**
 * Replays migration statements on the real Postgres parse tree (libpg-query)
 * to learn which file and line created or last changed each table, policy,
 * column, constraint, index, view and function — under the names they end
 * up with after renames, moves and drops. Findings point at those lines.
 */

type Change = { action: MigrationAction; location: SourceLocation };

interface ObjectRecord {
  created: SourceLocation | null;
  changes: Change[];
}

interface RelationRecord extends ObjectRecord {
  kind: 'table' | 'view' | 'materialized-view';
  /** Policies, columns and constraints, keyed `kind:name`. */
  children: Map<string, ObjectRecord & { kind: 'policy' | 'column' | 'constraint' }>;
}

interface IndexRecord extends ObjectRecord {
  relation: RelationRecord;
}

const RLS_ACTIONS: Record<string, MigrationAction> = {
  AT_EnableRowSecurity: 'enable-rls',
  AT_DisableRowSecurity: 'disable-rls',
  AT_ForceRowSecurity: 'force-rls',
  AT_NoForceRowSecurity: 'no-force-rls',
};

const RELATION_KINDS: Record<string, RelationRecord['kind']> = {
  OBJECT_TABLE: 'table',
  OBJECT_FOREIGN_TABLE: 'table',
  OBJECT_VIEW: 'view',
  OBJECT_MATVIEW: 'materialized-view',
};


/** Maps byte offsets in a statement (parse tree locations) to file lines. */
function lineMapper(file: string, sql: string, firstTokenLine: number) {
  const bytes = /[^\x00-\x7f]/.test(sql) ? Buffer.from(sql, 'utf8') : null;
  const base = firstTokenLine - countNewlines(sql, leadingTriviaLength(sql));
  return (offset: number | undefined): SourceLocation => {
    if (offset === undefined || offset < 0) return { file, line: firstTokenLine };
    const before = bytes ? bytes.subarray(0, offset).toString('utf8') : sql.slice(0, offset);
    return { file, line: Math.max(firstTokenLine, base + countNewlines(before)) };
  };
}

/** Map key of a schema-qualified name; NUL cannot occur in an identifier, a dot can. */
function qualified(schema: string, name: string): string {
  return `${schema}\0${name}`;
}

function split(key: string): { schema: string; name: string } {
  const cut = key.indexOf('\0');
  return { schema: key.slice(0, cut), name: key.slice(cut + 1) };
}

class Tracker {
  readonly relations = new Map<string, RelationRecord>();
  readonly indexes = new Map<string, IndexRecord>();
  readonly functions = new Map<string, ObjectRecord>();
  /** Where unqualified names go: `SET search_path` changes it, as it does in the session applying the files. */
  searchPath = ['public'];

  private schemaFor(name: string, schema: string | undefined, existing: Map<string, unknown>): string {
    if (schema) return schema;
    return this.searchPath.find((s) => existing.has(qualified(s, name))) ?? this.searchPath[0] ?? 'public';
  }

  relationKey(rangeVar: RangeVar | undefined): string {
    const name = rangeVar?.relname ?? '';
    return qualified(this.schemaFor(name, rangeVar?.schemaname, this.relations), name);
  }

  keyFromNames(names: string[], existing: Map<string, unknown>): string {
    const name = names[names.length - 1]!;
    return qualified(this.schemaFor(name, names.length > 1 ? names[names.length - 2] : undefined, existing), name);
  }

  /** A relation a statement alters; one the migrations never created (a platform table) is tracked from here on. */
  relation(rangeVar: RangeVar | undefined, kind: RelationRecord['kind'] = 'table'): RelationRecord {
    const key = this.relationKey(rangeVar);
    let record = this.relations.get(key);
    if (!record) {
      record = { kind, created: null, changes: [], children: new Map() };
      this.relations.set(key, record);
    }
    return record;
  }

  createRelation(rangeVar: RangeVar | undefined, kind: RelationRecord['kind'], at: SourceLocation): RelationRecord {
    const record: RelationRecord = { kind, created: at, changes: [], children: new Map() };
    this.relations.set(this.relationKey(rangeVar), record);
    return record;
  }

  setChild(relation: RelationRecord, kind: 'policy' | 'column' | 'constraint', name: string, at: SourceLocation) {
    relation.children.set(`${kind}:${name}`, { kind, created: at, changes: [] });
  }

  renameKey<T>(map: Map<string, T>, from: string, to: string) {
    const record = map.get(from);
    if (record === undefined) return;
    map.delete(from);
    map.set(to, record);
  }
}

function apply(t: Tracker, stmt: Node, at: (offset?: number) => SourceLocation): void {
  const here = at();
  const s = tagged(stmt);
  switch (s.tag) {
    case 'CreateStmt': {
      const node = s.fields;
      if (node.relation?.relpersistence === 't') return;
      if (node.if_not_exists && t.relations.has(t.relationKey(node.relation))) return;
      const rel = t.createRelation(node.relation, 'table', here);
      for (const elt of node.tableElts ?? []) {
        const column = nodeAs(elt, 'ColumnDef');
        const constraint = nodeAs(elt, 'Constraint');
        if (column) {
          t.setChild(rel, 'column', column.colname ?? '', at(column.location));
          for (const c of column.constraints ?? []) {
            const named = nodeAs(c, 'Constraint');
            if (named?.conname) t.setChild(rel, 'constraint', named.conname, at(named.location));
          }
        } else if (constraint?.conname) {
          t.setChild(rel, 'constraint', constraint.conname, at(constraint.location));
        }
      }
      return;
    }
    case 'CreateTableAsStmt':
      t.createRelation(s.fields.into?.rel, s.fields.objtype === 'OBJECT_MATVIEW' ? 'materialized-view' : 'table', here);
      return;
    case 'ViewStmt':
      t.createRelation(s.fields.view, 'view', here);
      return;
    case 'AlterTableStmt': {
      const node = s.fields;
      const kind = RELATION_KINDS[node.objtype ?? ''];
      if (!kind) return;
      if (node.missing_ok && !t.relations.has(t.relationKey(node.relation))) return;
      const rel = t.relation(node.relation, kind);
      let altered = false;
      for (const item of node.cmds ?? []) {
        const cmd = nodeAs(item, 'AlterTableCmd');
        if (!cmd) continue;
        const rls = RLS_ACTIONS[cmd.subtype ?? ''];
        const column = nodeAs(cmd.def, 'ColumnDef');
        const constraint = nodeAs(cmd.def, 'Constraint');
        if (rls) rel.changes.push({ action: rls, location: here });
        else if (cmd.subtype === 'AT_AddColumn') t.setChild(rel, 'column', column?.colname ?? '', at(column?.location));
        else if (cmd.subtype === 'AT_AddConstraint' && constraint?.conname) {
          t.setChild(rel, 'constraint', constraint.conname, at(constraint.location));
        } else if (cmd.subtype === 'AT_DropColumn') rel.children.delete(`column:${cmd.name}`);
        else if (cmd.subtype === 'AT_DropConstraint') rel.children.delete(`constraint:${cmd.name}`);
        else altered = true;
      }
      if (altered) rel.changes.push({ action: 'alter', location: here });
      return;
    }
    case 'CreatePolicyStmt':
      t.setChild(t.relation(s.fields.table), 'policy', s.fields.policy_name ?? '', here);
      return;
    case 'AlterPolicyStmt':
      t.relation(s.fields.table).children.get(`policy:${s.fields.policy_name}`)?.changes.push({ action: 'alter', location: here });
      return;
    case 'IndexStmt': {
      const node = s.fields;
      if (!node.idxname) return;
      const { schema } = split(t.relationKey(node.relation));
      t.indexes.set(qualified(schema, node.idxname), { created: here, changes: [], relation: t.relation(node.relation) });
      return;
    }
    case 'CreateFunctionStmt':
      t.functions.set(t.keyFromNames(stringsOf(s.fields.funcname), t.functions), { created: here, changes: [] });
      return;
    case 'RenameStmt':
      return rename(t, s.fields, here);
    case 'AlterObjectSchemaStmt': {
      const node = s.fields;
      if (RELATION_KINDS[node.objectType ?? ''] && node.relation) {
        t.renameKey(t.relations, t.relationKey(node.relation), qualified(node.newschema ?? '', node.relation.relname ?? ''));
      }
      return;
    }
    case 'DropStmt':
      return drop(t, s.fields);
    case 'VariableSetStmt':
      if (s.fields.name === 'search_path' && s.fields.kind === 'VAR_SET_VALUE') {
        const path = (s.fields.args ?? []).map((a) => nodeAs(a, 'A_Const')?.sval?.sval).filter((p): p is string => typeof p === 'string');
        t.searchPath = path.filter((p) => p !== '$user');
      }
      return;
  }
}

function rename(t: Tracker, node: NodeOf<'RenameStmt'>, here: SourceLocation): void {
  if (RELATION_KINDS[node.renameType ?? '']) {
    const from = t.relationKey(node.relation);
    const to = qualified(split(from).schema, node.newname ?? '');
    t.renameKey(t.relations, from, to);
    t.relations.get(to)?.changes.push({ action: 'alter', location: here });
    return;
  }
  const child = ({ OBJECT_POLICY: 'policy', OBJECT_COLUMN: 'column', OBJECT_TABCONSTRAINT: 'constraint' } as Record<string, string>)[node.renameType ?? ''];
  if (child && node.relation) {
    const rel = t.relation(node.relation);
    t.renameKey(rel.children, `${child}:${node.subname}`, `${child}:${node.newname}`);
    rel.children.get(`${child}:${node.newname}`)?.changes.push({ action: 'alter', location: here });
  } else if (node.renameType === 'OBJECT_INDEX' && node.relation) {
    const from = t.relationKey(node.relation);
    t.renameKey(t.indexes, from, qualified(split(from).schema, node.newname ?? ''));
  }
}

function drop(t: Tracker, node: NodeOf<'DropStmt'>): void {
  for (const object of node.objects ?? []) {
    const names = stringsOf(nodeAs(object, 'List')?.items);
    const withArgs = nodeAs(object, 'ObjectWithArgs');
    if (RELATION_KINDS[node.removeType ?? '']) t.relations.delete(t.keyFromNames(names, t.relations));
    else if (node.removeType === 'OBJECT_INDEX') t.indexes.delete(t.keyFromNames(names, t.indexes));
    else if (node.removeType === 'OBJECT_POLICY' && names.length >= 2) {
      const table = t.relations.get(t.keyFromNames(names.slice(0, -1), t.relations));
      table?.children.delete(`policy:${names[names.length - 1]}`);
    } else if (node.removeType === 'OBJECT_FUNCTION' && withArgs) {
      t.functions.delete(t.keyFromNames(stringsOf(withArgs.objname), t.functions));
    }
  }
}

function flatten(t: Tracker): TrackedObject[] {
  const objects: TrackedObject[] = [];
  const nameOf = new Map<RelationRecord, string>();
  for (const [key, rel] of t.relations) {
    nameOf.set(rel, key);
    const { schema, name } = split(key);
    objects.push({ kind: rel.kind, schema, name, created: rel.created, changes: rel.changes });
    for (const [childKey, child] of rel.children) {
      const childName = childKey.slice(childKey.indexOf(':') + 1);
      objects.push({ kind: child.kind, schema, name: childName, table: name, created: child.created, changes: child.changes });
    }
  }
  for (const [key, index] of t.indexes) {
    const table = nameOf.get(index.relation);
    if (table) objects.push({ kind: 'index', ...split(key), table: split(table).name, created: index.created, changes: index.changes });
  }
  for (const [key, fn] of t.functions) objects.push({ kind: 'function', ...split(key), created: fn.created, changes: fn.changes });
  return objects;
}

export interface MigrationsToTrack {
  layout: string;
  files: readonly MigrationFile[];
  /** Statements the engine skipped; the tables they create are reported as not audited. */
  skipped?: readonly SkippedStatement[];
}

/**
 * Statements that only read or write rows (INSERT, UPDATE, DELETE, MERGE,
 * SELECT, VALUES, TABLE, WITH …, COPY): none creates, alters or drops an
 * object, so a data migration of a million rows is not parsed a second time.
 */
const ROWS_ONLY = /^(insert|update|delete|merge|select|values|table|with|copy)\b/i;

/** Replays every statement's effect on object names; statements the parser rejects are passed over. */
export async function trackMigrations(migrations: MigrationsToTrack): Promise<MigrationHistory> {
  const parser = await loadParser();
  const tracker = new Tracker();
  for (const file of migrations.files) {
    for (const statement of file.statements) {
      if (ROWS_ONLY.test(statement.sql)) continue;
      let stmts: { stmt?: Node }[];
      try {
        stmts = parser.parse(statement.sql).stmts ?? [];
      } catch {
        continue;
      }
      const at = lineMapper(file.displayPath, statement.sql, statement.line);
      for (const { stmt } of stmts) if (stmt) apply(tracker, stmt, at);
    }
  }
  const skippedTables = (migrations.skipped ?? []).flatMap((s) =>
    (s.creates ?? [])
      .filter((c) => c.kind === 'table')
      .map((c) => ({ schema: c.schema ?? 'public', name: c.name, columns: c.columns ?? [], location: { file: s.file, line: s.line }, reason: s.reason })),
  );
  return {
    layout: migrations.layout,
    files: migrations.files.map((f) => f.displayPath),
    objects: flatten(tracker),
    ...(skippedTables.length > 0 ? { skippedTables } : {}),
  };
}
