/**
 * The drizzle layout end to end, in a temp copy of the Drizzle example app:
 * `tenantguard scaffold migration` has drizzle-kit create a custom migration
 * and fills it; the journal gains exactly one entry; drizzle-orm's own
 * migrator applies the folder; the audit is then clean of what the scaffold
 * fixes; and drizzle-kit generate finds no schema change left over.
 */
import { cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULES_FIXED_BY_SCAFFOLD } from '../../src/scaffold/migration/types.js';
import { runCli, type CliRun } from '../support/cli.js';
import { createTestDatabase, engine, type TestDatabase } from '../support/db.js';
import { EXAMPLE_APP, normalizeRole } from './support.js';
import { introspect } from '../../src/catalog/introspect.js';
import { buildRuleContext } from '../../src/check/context.js';
import { runRules } from '../../src/check/run-rules.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { rules } from '../../src/rules/index.js';

const REPO = path.resolve(import.meta.dirname, '../..');

interface Journal {
  entries: { idx: number; tag: string; when: number }[];
}

let db: TestDatabase;
let app: string;
let journalBefore: Journal;
let scaffoldRun: CliRun;

async function readJournal(): Promise<Journal> {
  return JSON.parse(await readFile(path.join(app, 'drizzle', 'meta', '_journal.json'), 'utf8')) as Journal;
}

beforeAll(async () => {
  db = await createTestDatabase();
  app = await mkdtemp(path.join(tmpdir(), 'tenantguard-drizzle-app-'));
  await cp(EXAMPLE_APP, app, { recursive: true });
  // The app's own dependencies (drizzle-kit, drizzle-orm), as `npm install` would give it.
  await symlink(path.join(REPO, 'node_modules'), path.join(app, 'node_modules'), 'dir');
  // Roles are cluster-wide on a server: the copy uses this test's namespaced role.
  for (const file of await readdir(path.join(app, 'drizzle'))) {
    if (!file.endsWith('.sql')) continue;
    const text = await readFile(path.join(app, 'drizzle', file), 'utf8');
    await writeFile(path.join(app, 'drizzle', file), db.sql(text));
  }
  const config = JSON.parse(await readFile(path.join(app, 'tenantguard.config.json'), 'utf8'));
  await writeFile(path.join(app, 'tenantguard.config.json'), JSON.stringify({ ...config, appRole: db.role('app_user') }));
  journalBefore = await readJournal();
  scaffoldRun = await runCli(['scaffold', 'migration', '--migrations', 'drizzle', '--yes'], {
    cwd: app,
    env: { PATH: process.env.PATH },
  });
}, 300_000);
afterAll(async () => {
  await db?.close();
  if (app) await rm(app, { recursive: true, force: true });
});

/** Applies the folder with drizzle-orm's migrator and audits the result. */
async function migrateAndAudit() {
  const folder = path.join(app, 'drizzle');
  const config = { ...DEFAULT_CONFIG, appRole: db.role('app_user'), globalTables: ['plans'] };
  if (engine === 'server') {
    const { drizzle } = await import('drizzle-orm/node-postgres');
    const { migrate } = await import('drizzle-orm/node-postgres/migrator');
    await migrate(drizzle(db.client), { migrationsFolder: folder });
    const catalog = await introspect(db.client);
    return runRules(await buildRuleContext(catalog, config), rules, config);
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const pglite = new PGlite();
  try {
    await migrate(drizzle(pglite), { migrationsFolder: folder });
    const client = new pg.Client(createPgConfig(pglite) as unknown as pg.ClientConfig);
    await client.connect();
    try {
      const catalog = await introspect(client);
      return runRules(await buildRuleContext(catalog, config), rules, config);
    } finally {
      await client.end();
    }
  } finally {
    await pglite.close();
  }
}

describe('scaffold migration --layout drizzle (detected) on the example app', () => {
  it('succeeds and prints the paths written and the next command', () => {
    expect(scaffoldRun.stderr).not.toContain('tenantguard:');
    expect(scaffoldRun.code).toBe(0);
    expect(scaffoldRun.stdout).toContain('wrote drizzle/0002_tenant_isolation.sql\nwrote drizzle/meta/_journal.json\nwrote drizzle/meta/0002_snapshot.json\n');
    expect(scaffoldRun.stdout).toContain('npx drizzle-kit migrate');
  });

  it('adds exactly one journal entry, for the file drizzle-kit created', async () => {
    const after = await readJournal();
    expect(after.entries.slice(0, -1)).toEqual(journalBefore.entries);
    expect(after.entries).toHaveLength(journalBefore.entries.length + 1);
    expect(after.entries.at(-1)).toMatchObject({ idx: journalBefore.entries.length, tag: '0002_tenant_isolation' });
    const text = await readFile(path.join(app, 'drizzle', '0002_tenant_isolation.sql'), 'utf8');
    expect(text).toContain('FORCE ROW LEVEL SECURITY');
    expect(text).not.toMatch(/^(BEGIN|COMMIT);$/m);
    await expect(normalizeRole(text, db.role('app_user'))).toMatchFileSnapshot('__snapshots__/example-app.drizzle-kit.sql');
  });

  it("is applied by drizzle-orm's migrator, after which the audit is clean of what it fixes", async () => {
    const findings = await migrateAndAudit();
    const left = findings.filter((f) => RULES_FIXED_BY_SCAFFOLD.includes(f.rule) && f.severity !== 'info');
    expect(left.map((f) => `${f.rule}: ${f.message}`)).toEqual([]);
  });

  it('leaves drizzle-kit generate with no schema changes to migrate', async () => {
    const kit = path.join(app, 'node_modules', 'drizzle-kit', 'bin.cjs');
    const run = await execa(process.execPath, [kit, 'generate', '--config=drizzle.config.ts'], {
      cwd: app,
      env: { NO_COLOR: '1', FORCE_COLOR: '0' },
      stdin: 'ignore',
    });
    expect(run.stdout).toContain('No schema changes, nothing to migrate');
    expect((await readJournal()).entries).toHaveLength(journalBefore.entries.length + 1);
  });
});
