/**
 * The warm pre-commit path: snapshots of the embedded engine after prefixes
 * of the migration history, restored by later runs. A warm run must report
 * exactly what a cold run reports, and a changed, damaged or absent snapshot
 * must never change a verdict.
 */
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit.js';
import { openEmbedded } from '../../src/db/embedded.js';
import { dirWith } from '../support/cli.js';

const temporary: string[] = [];
afterAll(() => Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true }))));

/** Each run starts several engines; the machine may be busy. */
const TIMEOUT = 300_000;

async function emptyTemporaryDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tenantguard-warm-'));
  temporary.push(dir);
  return dir;
}

/** initdb runs once for the file: every cache directory here starts with its pristine data directory. */
let pristine: string;
beforeAll(async () => {
  const dir = await emptyTemporaryDir();
  await (await openEmbedded({ cacheDir: dir })).close();
  pristine = join(dir, (await readdir(dir)).find((name) => name.endsWith('-pristine.tar.gz'))!);
}, TIMEOUT);

/** A cache directory with only the pristine data directory in it. */
async function cacheDir(): Promise<string> {
  const dir = await emptyTemporaryDir();
  await copyFile(pristine, join(dir, pristine.split('/').at(-1)!));
  return dir;
}

/** An offline audit: the whole result as JSON, and what it said about the cache. */
async function audit(cwd: string, cache: string, options: { appRole?: string } = {}) {
  const progress: string[] = [];
  const result = await runAudit({
    cwd,
    // Snapshots of any prefix: the folders here are small.
    env: { TENANTGUARD_CACHE_DIR: cache, TENANTGUARD_SNAPSHOT_MIN_STATEMENTS: '0' },
    offline: true,
    appRole: options.appRole ?? 'app_user',
    onProgress: (line) => progress.push(line),
  });
  const restored = progress.map((line) => /^restored the engine after (\d+) of (\d+) files/.exec(line)).find(Boolean);
  return { json: JSON.stringify(result), restoredFiles: restored ? Number(restored[1]) : 0 };
}

const snapshots = async (cache: string) => (await readdir(cache)).filter((name) => name.endsWith('.tgsnap')).sort();

const tenantTable = (name: string) => `create table ${name} (
  id int primary key,
  organization_id int not null references organizations (id)
);
alter table ${name} enable row level security;
create policy ${name}_tenant on ${name} to app_user
  using (organization_id = nullif(current_setting('app.current_org_id', true), '')::int);
grant select, insert, update, delete on ${name} to app_user;
`;

/** Three files; the first needs an extension the embedded engine does not ship, and a table of it is skipped. */
const FOLDER = {
  'migrations/001_init.sql': `create extension if not exists postgis;
create role app_user login;
create table organizations (id int primary key);
create table sites (
  id int primary key,
  organization_id int not null references organizations (id),
  location geography(point) not null
);
alter table sites enable row level security;
`,
  'migrations/002_projects.sql': tenantTable('projects'),
  // No policy: a finding located in the newest file.
  'migrations/003_invoices.sql': `create table invoices (id int primary key, organization_id int not null references organizations (id));
grant select on invoices to app_user;
`,
};

describe('snapshots of the migration history', () => {
  it('a warm run reports byte for byte what a cold run does, skipped extension statements included', async () => {
    const cwd = await dirWith(FOLDER);
    temporary.push(cwd);
    const cache = await cacheDir();
    // Two cold runs at once on one cache: each writes its snapshots under a unique name, then renames.
    const [cold, second] = await Promise.all([audit(cwd, cache), audit(cwd, cache)]);
    expect([cold.restoredFiles, second.restoredFiles]).toEqual([0, 0]);
    expect(cold.json).toMatch(/offline-table-skipped/);
    expect(cold.json).toMatch(/migrations\/003_invoices\.sql/);
    expect(second.json).toBe(cold.json);
    const names = await readdir(cache);
    expect(names.filter((name) => name.includes('.partial'))).toEqual([]);
    expect(await snapshots(cache)).toHaveLength(1); // all but the newest

    const warm = await audit(cwd, cache);
    expect(warm.restoredFiles).toBe(2);
    expect(warm.json).toBe(cold.json);
  }, TIMEOUT);

  it('only the newest file changed: all but the newest is restored; a middle file changed: nothing is', async () => {
    const cwd = await dirWith(FOLDER);
    temporary.push(cwd);
    const cache = await cacheDir();
    await audit(cwd, cache);

    await writeFile(join(cwd, 'migrations/003_invoices.sql'), tenantTable('invoices'));
    const newest = await audit(cwd, cache);
    expect(newest.restoredFiles).toBe(2);
    expect(newest.json).toBe((await audit(cwd, await cacheDir())).json);
    expect(newest.json).toMatch(/"name":"invoices_tenant"/);

    await writeFile(join(cwd, 'migrations/002_projects.sql'), `${tenantTable('projects')}alter table projects disable row level security;\n`);
    const middle = await audit(cwd, cache);
    expect(middle.restoredFiles).toBe(0);
    expect(middle.json).not.toBe(newest.json);
    expect(middle.json).toMatch(/"file":"migrations\/002_projects\.sql","line":9/);
  }, TIMEOUT);

  it('a damaged snapshot is detected, deleted and rebuilt, with the same findings', async () => {
    const cwd = await dirWith(FOLDER);
    temporary.push(cwd);
    const cache = await cacheDir();
    const cold = await audit(cwd, cache);
    const [name] = await snapshots(cache);
    const bytes = await readFile(join(cache, name!));
    const flipped = (at: number) => {
      const copy = Buffer.from(bytes);
      copy[at]! ^= 0xff;
      return copy;
    };
    const damaged = [
      bytes.subarray(0, bytes.length >> 1), // truncated
      flipped(bytes.length - 100), // a byte of the compressed data directory
      flipped(8 + 4 + 32 + 10), // a byte of the header
    ];
    for (const copy of damaged) {
      await writeFile(join(cache, name!), copy);
      const rebuilt = await audit(cwd, cache);
      expect(rebuilt.restoredFiles).toBe(0);
      expect(rebuilt.json).toBe(cold.json);
      expect(await readFile(join(cache, name!))).not.toEqual(copy);
    }
    const warm = await audit(cwd, cache);
    expect(warm.restoredFiles).toBe(2);
    expect(warm.json).toBe(cold.json);
  }, TIMEOUT);

  it('the example app: warm = cold; the cache holds only snapshots, and no path of the project', async () => {
    const app = fileURLToPath(new URL('../../fixtures/example-app/', import.meta.url));
    const cache = await cacheDir();
    const cold = await audit(app, cache);
    const warm = await audit(app, cache);
    expect(warm.restoredFiles).toBe(1);
    expect(warm.json).toBe(cold.json);
    expect((await readdir(cache)).filter((name) => !name.endsWith('-pristine.tar.gz')).every((name) => name.endsWith('.tgsnap'))).toBe(true);
    for (const name of await snapshots(cache)) {
      const bytes = await readFile(join(cache, name));
      const header = bytes.subarray(8 + 4 + 32, 8 + 4 + 32 + bytes.readUInt32BE(8)).toString('utf8');
      const dataDir = gunzipSync(bytes.subarray(8 + 4 + 32 + bytes.readUInt32BE(8)));
      for (const text of [header, dataDir.toString('latin1')]) expect(text.includes(app.replace(/\/$/, ''))).toBe(false);
    }
  }, TIMEOUT);

  it('TENANTGUARD_CACHE_DIR=off writes nothing, and nothing is snapshotted unless TENANTGUARD_SNAPSHOT_MIN_STATEMENTS is set', async () => {
    const cwd = await dirWith(FOLDER);
    temporary.push(cwd);
    const home = await emptyTemporaryDir();
    const env = { HOME: home, XDG_CACHE_HOME: join(home, 'xdg'), TENANTGUARD_CACHE_DIR: 'off', TENANTGUARD_SNAPSHOT_MIN_STATEMENTS: '0' };
    await runAudit({ cwd, env, offline: true, appRole: 'app_user' });
    expect(await readdir(home)).toEqual([]);

    const cache = await cacheDir();
    await runAudit({ cwd, env: { TENANTGUARD_CACHE_DIR: cache }, offline: true, appRole: 'app_user' });
    expect(await snapshots(cache)).toEqual([]);
    expect((await readdir(cwd, { recursive: true })).sort()).toEqual(['migrations', ...Object.keys(FOLDER)].sort());
  }, TIMEOUT);
});
