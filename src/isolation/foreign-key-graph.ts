/**
 * The foreign keys between the tables row synthesis must fill, as a graph of
 * child → parent edges. A foreign key binds only when all its columns are
 * non-NULL (MATCH SIMPLE), so an edge is required when every column is NOT
 * NULL — or when it is the edge that ties an indirect tenant table to its
 * organization. Required edges must form no cycle (no first row could ever be
 * inserted); a nullable edge is kept (filled) unless it would close a cycle,
 * in which case its columns stay NULL.
 */
import { tableKey, type Constraint, type Table } from '../catalog/types.js';
import { displayName } from '../sql/quote.js';
import type { Tenancy } from '../tenancy/types.js';

export type ForeignKey = Constraint & { references: NonNullable<Constraint['references']> };

export interface Edge {
  from: string;
  to: string;
  fk: ForeignKey;
  required: boolean;
}

const foreignKeysOf = (table: Table) =>
  table.constraints
    .filter((c): c is ForeignKey => c.type === 'foreign-key' && c.references !== null)
    .sort((a, b) => (a.name < b.name ? -1 : 1));

export class ForeignKeyGraph {
  private readonly all = new Map<string, Edge[]>();
  private readonly keptEdges = new Map<string, Edge[]>();

  /** `unseedable` is shared with the synthesis: tables found here to have no possible row are added to it. */
  constructor(
    private readonly byKey: ReadonlyMap<string, Table>,
    private readonly tenancy: Tenancy,
    private readonly unseedable: Map<string, string>,
  ) {}

  edges(key: string): Edge[] {
    return this.all.get(key) ?? [];
  }

  /** The edges whose columns get filled (after keepNullableEdges). */
  kept(key: string): Edge[] {
    return this.keptEdges.get(key) ?? [];
  }

  /** Before keepNullableEdges: the required edges; after: the kept ones. */
  keptOrRequired(key: string): Edge[] {
    return this.keptEdges.get(key) ?? this.edges(key).filter((e) => e.required);
  }

  private display(key: string): string {
    const table = this.byKey.get(key);
    return table ? displayName(table.schema, table.name) : key;
  }

  private isTenancyPath(key: string, fk: ForeignKey): boolean {
    const hop = this.tenancy.tenantTableByKey.get(key)?.path[0];
    return hop !== undefined && hop.constraint === fk.name;
  }

  /** Every table reachable from `starts` through foreign keys (the starts included), sorted. */
  collect(starts: string[]): string[] {
    const needed = new Set<string>();
    const queue = [...starts];
    for (let next = 0; next < queue.length; next++) {
      const key = queue[next]!;
      if (needed.has(key)) continue;
      needed.add(key);
      const table = this.byKey.get(key)!;
      const edges: Edge[] = [];
      for (const fk of foreignKeysOf(table)) {
        const to = tableKey(fk.references);
        const columns = fk.columns.map((name) => table.columns.find((c) => c.name === name)!);
        const required = columns.every((c) => c.notNull) || this.isTenancyPath(key, fk);
        if (!this.byKey.has(to)) {
          if (required) {
            this.unseedable.set(key, `its foreign key ${fk.name} references ${displayName(fk.references.schema, fk.references.name)}, which is outside the audited schemas`);
          }
          continue;
        }
        edges.push({ from: key, to, fk, required });
        queue.push(to);
      }
      this.all.set(key, edges);
    }
    return [...needed].sort();
  }

  /** Tables on a cycle of required edges can never get a first row. */
  markRequiredCycles(needed: string[]): void {
    const state = new Map<string, 'open' | 'done'>();
    const visit = (key: string, stack: string[]) => {
      if (state.get(key) === 'done') return;
      if (state.get(key) === 'open') {
        const cycle = [...stack.slice(stack.indexOf(key)), key];
        for (const member of cycle) {
          if (!this.unseedable.has(member)) this.unseedable.set(member, `NOT NULL foreign keys form a cycle: ${cycle.map((k) => this.display(k)).join(' → ')}`);
        }
        return;
      }
      state.set(key, 'open');
      for (const edge of this.edges(key)) if (edge.required) visit(edge.to, [...stack, key]);
      state.set(key, 'done');
    };
    for (const key of needed) visit(key, []);
  }

  /** Required edges always; a nullable one when its parent can be seeded and it closes no cycle. */
  keepNullableEdges(needed: string[]): void {
    for (const key of needed) this.keptEdges.set(key, this.edges(key).filter((e) => e.required && !this.unseedable.has(e.to)));
    const reaches = (from: string, to: string): boolean => {
      const seen = new Set<string>();
      const stack = [from];
      while (stack.length > 0) {
        const key = stack.pop()!;
        if (key === to) return true;
        if (seen.has(key)) continue;
        seen.add(key);
        for (const edge of this.kept(key)) stack.push(edge.to);
      }
      return false;
    };
    for (const key of needed) {
      for (const edge of this.edges(key)) {
        if (edge.required || this.unseedable.has(edge.to) || reaches(edge.to, key)) continue;
        this.keptEdges.get(key)!.push(edge);
      }
    }
  }
}
