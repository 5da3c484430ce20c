/**
 * Where the migration lands, per layout, and what the files look like
 * (snapshots of the example app's migration: the same audit must always give
 * the same bytes).
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantguardError } from '../../src/errors.js';
import { detectLayout } from '../../src/scaffold/migration/layouts/detect.js';
import { writeDrizzle } from '../../src/scaffold/migration/layouts/drizzle.js';
import { writePlain } from '../../src/scaffold/migration/layouts/plain.js';
import { writeSupabase } from '../../src/scaffold/migration/layouts/supabase.js';
import type { LayoutRequest } from '../../src/scaffold/migration/layouts/types.js';
import { loadMigrationTemplates, renderMigration, type MigrationTemplates } from '../../src/scaffold/migration/render.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { applyDrizzleFolder, audit, EXAMPLE_APP, normalizeRole, scaffold, type Scaffolded } from './support.js';

const NOW = new Date(Date.UTC(2024, 4, 1, 12, 34, 56));

let db: TestDatabase;
let scaffolded: Scaffolded;
let templates: MigrationTemplates;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  await applyDrizzleFolder(db, path.join(EXAMPLE_APP, 'drizzle'));
  scaffolded = await scaffold(await audit(db, { appRole: db.role('app_user'), globalTables: ['plans'] }));
  templates = await loadMigrationTemplates();
});
afterAll(async () => {
  await db?.close();
});

async function freshDir(): Promise<string> {
  dir = await mkdtemp(path.join(tmpdir(), 'tenantguard-layout-'));
  return dir;
}
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function request(cwd: string, overrides: Partial<LayoutRequest> = {}): LayoutRequest & { out_: string[]; err_: string[] } {
  const out_: string[] = [];
  const err_: string[] = [];
  return {
    cwd,
    out: null,
    name: 'tenant_isolation',
    now: NOW,
    plan: scaffolded.plan,
    rendered: renderMigration(scaffolded.plan, templates),
    templates,
    dryRun: false,
    force: false,
    env: process.env,
    stdout: (t) => out_.push(t),
    stderr: (t) => err_.push(t),
    out_,
    err_,
    ...overrides,
  };
}

const normalized = (text: string) => normalizeRole(text, db.role('app_user'));

describe('plain layout', () => {
  it('writes <out>/<UTC yyyymmddhhmmss>_<name>.sql in a transaction', async () => {
    const cwd = await freshDir();
    const result = await writePlain(request(cwd));
    const file = path.join(cwd, 'migrations', '20240501123456_tenant_isolation.sql');
    expect(result.written).toEqual([file]);
    expect(result.nextCommand).toBe('psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f migrations/20240501123456_tenant_isolation.sql');
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/\nBEGIN;\n[\s\S]*\nCOMMIT;\n$/);
    await expect(normalized(text)).toMatchFileSnapshot('__snapshots__/example-app.plain.sql');
  });

  it('never overwrites without force', async () => {
    const cwd = await freshDir();
    await writePlain(request(cwd));
    await expect(writePlain(request(cwd))).rejects.toThrow(TenantguardError);
    await expect(writePlain(request(cwd))).rejects.toMatchObject({ hint: expect.stringContaining('--force') });
    await writePlain(request(cwd, { force: true }));
  });

  it('prints on a dry run and writes nothing', async () => {
    const cwd = await freshDir();
    const req = request(cwd, { dryRun: true });
    const result = await writePlain(req);
    expect(result.written).toEqual([]);
    expect(req.out_.join('')).toContain('CREATE POLICY');
    expect(await readdir(cwd)).toEqual([]);
  });

  it('in a drizzle-kit folder, writes the file the way drizzle reads it and adds exactly one journal entry', async () => {
    const cwd = await freshDir();
    await cp(path.join(EXAMPLE_APP, 'drizzle'), path.join(cwd, 'drizzle'), { recursive: true });
    const journalFile = path.join(cwd, 'drizzle', 'meta', '_journal.json');
    const before = JSON.parse(await readFile(journalFile, 'utf8'));
    const result = await writePlain(request(cwd, { out: 'drizzle' }));
    const after = JSON.parse(await readFile(journalFile, 'utf8'));
    expect(after.entries.slice(0, -1)).toEqual(before.entries);
    expect(after.entries.length).toBe(before.entries.length + 1);
    expect(after.entries.at(-1)).toMatchObject({ idx: 2, tag: '20240501123456_tenant_isolation', breakpoints: true, version: '7' });
    expect(after.entries.at(-1).when).toBeGreaterThan(before.entries.at(-1).when);
    expect(result.written).toContain(journalFile);
    const text = await readFile(path.join(cwd, 'drizzle', '20240501123456_tenant_isolation.sql'), 'utf8');
    expect(text).not.toMatch(/^(BEGIN|COMMIT);$/m);
    expect(text).toContain('\n--> statement-breakpoint\n');
    await expect(normalized(text)).toMatchFileSnapshot('__snapshots__/example-app.drizzle.sql');
  });
});

describe('supabase layout', () => {
  it('writes supabase/migrations/<UTC yyyymmddhhmmss>_<name>.sql without BEGIN/COMMIT (the CLI wraps each file)', async () => {
    const cwd = await freshDir();
    const result = await writeSupabase(request(cwd));
    const file = path.join(cwd, 'supabase', 'migrations', '20240501123456_tenant_isolation.sql');
    expect(result.written).toEqual([file]);
    const text = await readFile(file, 'utf8');
    expect(text).not.toMatch(/^(BEGIN|COMMIT);$/m);
    await expect(normalized(text)).toMatchFileSnapshot('__snapshots__/example-app.supabase.sql');
  });
});

describe('drizzle layout', () => {
  it('says so when drizzle-kit is not installed in the project, and points at --layout plain', async () => {
    const cwd = await freshDir();
    await writeFile(path.join(cwd, 'drizzle.config.ts'), "export default { dialect: 'postgresql', schema: './schema.ts', out: './drizzle' };\n");
    // A project outside any node_modules tree: tmpdir has no drizzle-kit.
    const attempt = writeDrizzle(request(cwd));
    await expect(attempt).rejects.toThrow(/drizzle-kit is not installed/);
    await expect(attempt).rejects.toMatchObject({ hint: expect.stringContaining('--layout plain') });
  });
});

describe('detectLayout', () => {
  it('recognises drizzle, supabase and plain projects', async () => {
    const cwd = await freshDir();
    expect(await detectLayout(cwd, null)).toMatchObject({ layout: 'plain' });
    expect(await detectLayout(cwd, 'supabase/migrations')).toMatchObject({ layout: 'supabase' });
    await mkdir(path.join(cwd, 'supabase'));
    await writeFile(path.join(cwd, 'supabase', 'config.toml'), '');
    expect(await detectLayout(cwd, null)).toMatchObject({ layout: 'supabase' });
    await writeFile(path.join(cwd, 'drizzle.config.ts'), '');
    expect(await detectLayout(cwd, null)).toMatchObject({ layout: 'drizzle', reason: 'drizzle.config.ts' });
    expect(await detectLayout(cwd, 'db/migrations')).toMatchObject({ layout: 'plain' });
  });
});
