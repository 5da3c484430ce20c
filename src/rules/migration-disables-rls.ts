import type { Table } from '../catalog/types.js';
import { displayName } from '../sql/quote.js';
import { enableAndForceRls, forceRls } from '../sql/statements.js';
import { describeAccess } from '../tenancy/describe.js';
import { defineRule } from './define-rule.js';
import type { MigrationAction, Problem, RuleContext, TrackedObject } from './types.js';

/** The last of a pair of opposite actions on the table, if any. */
function lastOf(tracked: TrackedObject, on: MigrationAction, off: MigrationAction) {
  return tracked.changes.filter((c) => c.action === on || c.action === off).at(-1);
}

function problem(ctx: RuleContext, table: Table, which: 'disable' | 'no-force', at: { file: string; line: number }): Problem {
  const name = displayName(table.schema, table.name);
  const access = describeAccess(ctx.tenancy, table);
  const where = `${at.file}:${at.line}`;
  if (which === 'disable') {
    return {
      object: { kind: 'table', schema: table.schema, name: table.name },
      key: 'disable',
      location: at,
      // rls-disabled reports the table itself; this finding says which migration line did it
      causes: [{ kind: 'table', schema: table.schema, name: table.name }],
      // no role the app can be reaches the table: a latent hole, as rls-disabled judges it
      ...(access ? {} : { severity: 'warning' as const }),
      impact: `${where} runs DISABLE ROW LEVEL SECURITY on ${name} and no later migration enables it again`,
      message:
        `migration ${where} runs DISABLE ROW LEVEL SECURITY on ${name} and no later migration enables it again, ` +
        `so no policy filters its rows` +
        (access ? `: every tenant's rows are open to ${access}` : '') +
        (ctx.migrations?.layout === 'drizzle'
          ? ' (drizzle-kit generates this statement when the last policy of a table without .enableRLS() leaves the schema)'
          : ''),
      fix: {
        title: `Enable and force row level security on ${name} in a new migration`,
        sql: enableAndForceRls(table),
      },
    };
  }
  return {
    object: { kind: 'table', schema: table.schema, name: table.name },
    key: 'no-force',
    location: at,
    message:
      `migration ${where} runs NO FORCE ROW LEVEL SECURITY on ${name} and no later migration forces it again, ` +
      `so its owner ${displayName(null, table.owner)} (and every role that is a member of it) bypasses its policies`,
    fix: {
      title: `Force row level security on ${name} in a new migration`,
      sql: forceRls(table),
    },
  };
}

export default defineRule({
  id: 'migration-disables-rls',
  title: 'Migration turns row level security off on a tenant table',
  defaultSeverity: 'error',
  description:
    'A migration file runs DISABLE ROW LEVEL SECURITY or NO FORCE ROW LEVEL SECURITY on a tenant table and no later migration undoes it (offline audits only).',
  check(ctx) {
    if (!ctx.migrations) return [];
    const tracked = new Map(
      ctx.migrations.objects.filter((o) => o.kind === 'table').map((o) => [`${o.schema}.${o.name}`, o]),
    );
    const problems: Problem[] = [];
    for (const { table } of ctx.tenancy.tenantTables) {
      const history = tracked.get(`${table.schema}.${table.name}`);
      if (!history) continue;
      // The catalog says what is in force; the history says which statement put it there.
      const rls = lastOf(history, 'enable-rls', 'disable-rls');
      if (!table.rlsEnabled && rls?.action === 'disable-rls') problems.push(problem(ctx, table, 'disable', rls.location));
      const force = lastOf(history, 'force-rls', 'no-force-rls');
      if (!table.rlsForced && force?.action === 'no-force-rls') problems.push(problem(ctx, table, 'no-force', force.location));
    }
    return problems;
  },
});
