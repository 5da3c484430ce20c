/**
 * Every expected failure after the source is open ends like a bad flag does:
 * one `tenantguard: …` line and a hint, exit 2, no stack trace, nothing
 * written. Each case runs through main() (runCli).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirWith, runCli, type CliRun } from '../support/cli.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/db.js';

const SCHEMA = `
CREATE ROLE app_user;
CREATE TABLE organizations (id uuid PRIMARY KEY, name text NOT NULL DEFAULT 'org');
CREATE TABLE projects (id uuid PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations (id), name text DEFAULT 'p');
CREATE INDEX ON projects (organization_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON organizations, projects TO app_user;
`;

const isRoot = process.getuid?.() === 0;

/** One error line and one hint line end stderr; nothing on stdout; exit 2; no stack trace. */
function expectOneLineFailure(run: CliRun, message: RegExp): void {
  const lines = run.stderr.trimEnd().split('\n');
  const errorLines = lines.filter((line) => line.startsWith('tenantguard: '));
  const context = `exit ${run.code}:\n${run.stderr}`;
  expect(run.code, context).toBe(2);
  expect(errorLines, context).toHaveLength(1);
  expect(lines.at(-2), context).toBe(errorLines[0]);
  expect(lines.at(-1), context).toMatch(/^hint: \S/);
  expect(errorLines[0], context).toMatch(message);
  expect(run.stderr, context).not.toMatch(/internal error|this is a bug|\n\s+at /);
  expect(run.stdout).toBe('');
}

/** A migrations folder with a good first file and whatever `extra` adds. */
async function migrations(extra: (folder: string) => Promise<void>): Promise<string> {
  const dir = await dirWith({ 'migrations/0001_schema.sql': SCHEMA });
  await extra(join(dir, 'migrations'));
  return join(dir, 'migrations');
}

interface Case {
  name: string;
  skip?: string | false;
  /**
   * Permissions do not stop root: as root, the case runs bin/tenantguard.js
   * (which calls main()) as the unprivileged user nobody instead.
   */
  unprivileged?: boolean;
  /** Arguments; may prepare files first. */
  argv: () => Promise<string[]>;
  message: RegExp;
  /** What must not exist afterwards. */
  notWritten?: () => string[];
}

let outDir: string;
let aFile: string;
/** A folder root cannot write either: /sys is read-only to everyone. */
const readOnlyDir = isRoot ? '/sys/tenantguard-test' : null;

beforeAll(async () => {
  outDir = await dirWith({ 'a-file': 'not a folder\n' });
  aFile = join(outDir, 'a-file');
});

const source = async () => ['--migrations', await migrations(async () => {}), '--app-role', 'app_user'];

const fileCases: Case[] = [
  {
    name: 'a migration that is a symbolic link loop',
    argv: async () => ['audit', '--migrations', await migrations(async (m) => {
      await symlink('0003_b.sql', join(m, '0002_a.sql'));
      await symlink('0002_a.sql', join(m, '0003_b.sql'));
    })],
    message: /^tenantguard: cannot read migration .*0002_a\.sql: symbolic links loop \(ELOOP\)$/,
  },
  {
    name: 'a migration that is a dangling symbolic link',
    argv: async () => ['audit', '--migrations', await migrations((m) => symlink('nowhere.sql', join(m, '0002_x.sql')))],
    message: /^tenantguard: cannot read migration .*0002_x\.sql: no such file or folder \(ENOENT\)$/,
  },
  {
    name: 'a migration that links to a folder',
    argv: async () => ['audit', '--migrations', await migrations((m) => symlink('/tmp', join(m, '0002_dir.sql')))],
    message: /^tenantguard: cannot read migration .*0002_dir\.sql: it is a folder$/,
  },
  {
    name: 'an unreadable migration file',
    unprivileged: true,
    argv: async () => ['audit', '--migrations', await migrations(async (m) => {
      await writeFile(join(m, '0002_secret.sql'), 'SELECT 1;\n');
      await chmod(join(m, '0002_secret.sql'), 0o000);
    })],
    message: /^tenantguard: cannot read migration .*0002_secret\.sql: permission denied \(EACCES\)$/,
  },
  {
    name: 'an unreadable migrations folder',
    unprivileged: true,
    argv: async () => {
      const folder = await migrations(async () => {});
      await chmod(folder, 0o000);
      return ['audit', '--migrations', folder];
    },
    message: /^tenantguard: cannot list the migrations in .*: permission denied \(EACCES\)$/,
  },
  {
    name: 'an unreadable folder inside a drizzle migrations folder',
    unprivileged: true,
    argv: async () => {
      const dir = await dirWith({
        'drizzle/meta/_journal.json': JSON.stringify({ version: '7', dialect: 'postgresql', entries: [{ idx: 0, version: '7', when: 1, tag: '0000_init', breakpoints: true }] }),
        'drizzle/0000_init.sql': SCHEMA,
      });
      await chmod(join(dir, 'drizzle', 'meta'), 0o000);
      return ['audit', '--migrations', join(dir, 'drizzle')];
    },
    message: /^tenantguard: cannot (read|list|list the migrations in) .*(drizzle|_journal\.json).*: permission denied \(EACCES\)$/,
  },
  {
    name: 'a migration that outlives --statement-timeout on the embedded engine',
    argv: async () => ['audit', '--statement-timeout', '4000', '--migrations', await migrations((m) => writeFile(join(m, '0002_wait.sql'), '-- waits\nSELECT pg_sleep(100000);\n'))],
    message: /^tenantguard: .*0002_wait\.sql:2: the statement ran longer than the statement timeout \(4000 ms\); the embedded engine was stopped$/,
  },
  {
    name: 'a migration that runs a program',
    argv: async () => ['audit', '--migrations', await migrations((m) => writeFile(join(m, '0002_copy.sql'), "COPY projects FROM PROGRAM 'id';\n"))],
    message: /^tenantguard: .*0002_copy\.sql:1: COPY … FROM PROGRAM runs a program on the database server: the embedded engine does not run it$/,
  },
  {
    name: 'an out-of-range --statement-timeout',
    argv: async () => ['audit', ...(await source()), '--statement-timeout', '99999999999999'],
    message: /^tenantguard: invalid statement timeout \(--statement-timeout, "statementTimeoutMs"\): 99999999999999$/,
  },
  {
    name: 'a --statement-timeout that is not a number',
    argv: async () => ['audit', ...(await source()), '--statement-timeout', '2s'],
    message: /^tenantguard: option '--statement-timeout <ms>' argument '2s' is invalid\. Expected a whole number of milliseconds/,
  },
  {
    name: '--output inside a file',
    argv: async () => ['audit', ...(await source()), '--fail-on', 'never', '--output', join(aFile, 'report.txt')],
    message: /^tenantguard: cannot write the report to .*a-file\/report\.txt: a part of the path is a file, not a folder \(ENOTDIR\)$/,
    notWritten: () => [join(aFile, 'report.txt')],
  },
  {
    name: '--output naming a folder',
    argv: async () => ['audit', ...(await source()), '--fail-on', 'never', '--output', outDir],
    message: /^tenantguard: cannot write the report to .*: it is a folder, not a file \(EISDIR\)$/,
  },
  {
    name: '--output in a read-only folder',
    skip: isRoot && !existsSync('/sys') && 'no read-only folder for root',
    argv: async () => ['audit', ...(await source()), '--fail-on', 'never', '--output', join(await readOnly(), 'report.txt')],
    message: /^tenantguard: cannot write the report to .*report\.txt: (permission denied|operation not permitted|read-only file system|no such file or folder) \(E[A-Z]+\)$/,
  },
  {
    name: 'scaffold tests --out inside a file',
    argv: async () => ['scaffold', 'tests', ...(await source()), '--yes', '--out', join(aFile, 'suite')],
    message: /^tenantguard: cannot write .*a-file\/suite\/\S+: a part of the path is a file, not a folder \(ENOTDIR\)$/,
  },
  {
    name: 'scaffold tests --out in a read-only folder',
    skip: isRoot && !existsSync('/sys') && 'no read-only folder for root',
    argv: async () => ['scaffold', 'tests', ...(await source()), '--yes', '--out', join(await readOnly(), 'suite')],
    message: /^tenantguard: cannot write .*suite\/\S+: (permission denied|operation not permitted|read-only file system|no such file or folder) \(E[A-Z]+\)$/,
  },
];

/** A folder this process cannot create files in. */
async function readOnly(): Promise<string> {
  if (readOnlyDir) return readOnlyDir;
  const dir = join(outDir, 'read-only');
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o555);
  return dir;
}

/** bin/tenantguard.js, which runs main() in a process of its own. */
const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'tenantguard.js');
const NOBODY = 65534;

/** Runs the CLI as nobody; every folder on the way to the case's files is opened to it first. */
async function runAsNobody(argv: string[]): Promise<CliRun> {
  const temp = tmpdir();
  for (const arg of argv.filter((a) => a.startsWith(`${temp}/`))) {
    for (let dir = dirname(arg); dir.startsWith(`${temp}/`); dir = dirname(dir)) await chmod(dir, 0o755);
  }
  const child = spawnSync(process.execPath, [BIN, ...argv], {
    uid: NOBODY,
    gid: NOBODY,
    cwd: temp,
    env: { PATH: process.env.PATH, TENANTGUARD_CACHE_DIR: 'off' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: child.status ?? -1, stdout: child.stdout, stderr: child.stderr };
}

describe('file-system failures are one line, exit 2, nothing written', () => {
  for (const c of fileCases) {
    it.skipIf(Boolean(c.skip))(`${c.name}${c.skip ? ` (skipped: ${c.skip})` : ''}${c.unprivileged && isRoot ? ' (as nobody)' : ''}`, async () => {
      const before = await readdir(outDir);
      const run = c.unprivileged && isRoot ? await runAsNobody(await c.argv()) : await runCli(await c.argv());
      expectOneLineFailure(run, c.message);
      expect(await readdir(outDir)).toEqual(before);
      for (const path of c.notWritten?.() ?? []) expect(existsSync(path)).toBe(false);
    });
  }
});

describe.skipIf(!serverUrl)('database failures after the connection is open are one line, exit 2', () => {
  let db: TestDatabase;
  let blocker: pg.Client;
  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCHEMA });
    blocker = new pg.Client({ connectionString: db.url! });
    await blocker.connect();
  });
  afterAll(async () => {
    await blocker?.end();
    await db?.close();
  });

  /** Runs `argv` while another session holds `lock` on the tables. */
  async function whileLocked(lock: string, argv: string[], during?: () => Promise<void>): Promise<CliRun> {
    await blocker.query(`BEGIN; LOCK TABLE organizations, projects IN ${lock} MODE`);
    try {
      const running = runCli(argv);
      await during?.();
      return await running;
    } finally {
      await blocker.query('ROLLBACK');
    }
  }

  /** Waits until tenantguard's session waits for a lock, then ends it as pg_terminate_backend would. */
  async function terminateWhenWaiting(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const { rows } = await db.client.query(
        `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
         WHERE datname = $1 AND application_name = 'tenantguard' AND wait_event_type = 'Lock'`,
        [db.name],
      );
      if (rows.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('tenantguard never waited for the lock');
  }

  it('lock timeout: a migration holds a lock the catalog read needs', async () => {
    const run = await whileLocked('ACCESS EXCLUSIVE', ['audit', '--db', db.url!, '--lock-timeout', '200']);
    expectOneLineFailure(run, /^tenantguard: a lock was not granted within the lock timeout \(200 ms\): another session holds a conflicting lock$/);
  });

  it('statement timeout: the catalog read waits longer than allowed', async () => {
    const run = await whileLocked('ACCESS EXCLUSIVE', ['audit', '--db', db.url!, '--lock-timeout', '0', '--statement-timeout', '300']);
    expectOneLineFailure(run, /^tenantguard: a statement ran longer than the statement timeout \(300 ms\) and was cancelled$/);
  });

  it('the connection is terminated in the middle of the probe', async () => {
    // SHARE lets the catalog be read but blocks the probe's first insert.
    const argv = ['probe', '--db', db.url!, '--app-role', db.role('app_user'), '--lock-timeout', '0'];
    const run = await whileLocked('SHARE', argv, terminateWhenWaiting);
    expectOneLineFailure(run, /^tenantguard: the connection to the database was lost: (terminating connection due to administrator command|Connection terminated unexpectedly)$/);
  });
});
