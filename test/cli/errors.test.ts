/**
 * Every bad input ends the same way: `tenantguard: <one line>` and a hint on
 * stderr, exit 2, no stack trace, and never the password of a URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/db.js';
import { dirWith, expectUsageFailure, runCli, type CliRun } from '../support/cli.js';
import { startFakePostgres, type FakePostgres } from '../support/fake-postgres.js';
import { main } from '../../src/cli/main.js';

const PASSWORD = 'Tr0ub4dor-s3cret';

function expectFailure(run: CliRun, message: RegExp): void {
  expectUsageFailure(run, message);
  expect(run.stderr).not.toContain(PASSWORD);
  expect(run.stderr).not.toContain(encodeURIComponent(PASSWORD));
}

/** The server URL with a user and the password put in, e.g. for an auth failure. */
function serverUrlWith(user: string, query = ''): string {
  const url = new URL(serverUrl!);
  url.username = user;
  url.password = PASSWORD;
  url.search = query;
  return url.toString();
}

describe('connection failures', () => {
  let fake: FakePostgres | null = null;
  beforeAll(async () => {
    if (!serverUrl) fake = await startFakePostgres();
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('malformed URL', async () => {
    const run = await runCli(['audit', '--db', `postgres://alice:${PASSWORD}@db.example.com:notaport/app`]);
    expectFailure(run, /^tenantguard: malformed database URL/);
  });

  it('not a postgres URL', async () => {
    const run = await runCli(['audit', '--db', `mysql://alice:${PASSWORD}@localhost/app`]);
    expectFailure(run, /^tenantguard: malformed database URL .*mysql/);
  });

  it('connection refused', async () => {
    const run = await runCli(['audit', '--db', `postgres://alice:${PASSWORD}@127.0.0.1:1/app`]);
    expectFailure(run, /127\.0\.0\.1:1/);
    expect(run.stderr).toMatch(/refused/i);
  });

  it('unknown host', async () => {
    const run = await runCli(['audit', '--db', `postgres://alice:${PASSWORD}@no-such-host.invalid:5432/app`]);
    expectFailure(run, /no-such-host\.invalid/);
  });

  it('authentication failure', async () => {
    // A real server here trusts 127.0.0.1, so a role that does not exist is its authentication failure (28000);
    // without one, a wire-protocol server rejects the password (28P01) as a password-checking server does.
    const url = serverUrl ? serverUrlWith('tg_no_such_role') : `postgres://alice:${PASSWORD}@127.0.0.1:${fake!.port}/app`;
    const run = await runCli(['audit', '--db', url]);
    expectFailure(run, serverUrl ? /tg_no_such_role/ : /password authentication failed|authentication/i);
  });

  it('TLS required but the server does not offer it', async () => {
    // The local server runs with ssl = off, as the wire-protocol server does.
    const url = serverUrl ? serverUrlWith('postgres', '?sslmode=require') : `postgres://alice:${PASSWORD}@127.0.0.1:${fake!.port}/app?sslmode=require`;
    const run = await runCli(['audit', '--db', url]);
    expectFailure(run, /SSL|TLS/);
  });

  it('sslpassword is masked like the password, from the command line and the environment', async () => {
    const url = `postgres://alice@db.example.com:notaport/app?sslmode=verify-full&sslpassword=${PASSWORD}`;
    for (const run of [await runCli(['audit', '--db', url]), await runCli(['audit'], { env: { DATABASE_URL: url } })]) {
      expectFailure(run, /^tenantguard: malformed database URL .*sslpassword=\*\*\*\*/);
    }
  });

  it('a URL from the environment is masked just the same', async () => {
    const run = await runCli(['audit'], { env: { DATABASE_URL: `postgres://alice:${PASSWORD}@127.0.0.1:1/app` } });
    expectFailure(run, /127\.0\.0\.1:1/);
  });
});

describe('bad databases and migrations', () => {
  let empty: TestDatabase | null = null;
  let withTables: TestDatabase | null = null;
  beforeAll(async () => {
    if (serverUrl) {
      empty = await createTestDatabase();
      withTables = await createTestDatabase({
        setup: `CREATE TABLE organizations (id uuid PRIMARY KEY);
                CREATE TABLE projects (id uuid PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations (id));`,
      });
    }
  });
  afterAll(async () => {
    await empty?.close();
    await withTables?.close();
  });

  it('nonexistent --schema', async () => {
    const args = serverUrl
      ? ['--db', withTables!.url!]
      : ['--migrations', await dirWith({ '0001_init.sql': 'CREATE TABLE organizations (id uuid PRIMARY KEY);\n' }).then((d) => `${d}`)];
    const run = await runCli(['audit', ...args, '--schema', 'no_such_schema']);
    expectFailure(run, /schema "no_such_schema" does not exist/);
  });

  it('empty database', async () => {
    const args = serverUrl ? ['--db', empty!.url!] : ['--migrations', await dirWith({ '0001_noop.sql': 'SELECT 1;\n' })];
    const run = await runCli(['audit', ...args]);
    expectFailure(run, /no tables found/);
  });

  it('tables, but none is a tenant table (wrong tenant column)', async () => {
    const args = serverUrl
      ? ['--db', withTables!.url!]
      : ['--migrations', await dirWith({ '0001_init.sql': 'CREATE TABLE organizations (id uuid PRIMARY KEY);\nCREATE TABLE projects (id uuid PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations (id));\n' })];
    const run = await runCli(['audit', ...args, '--tenant-column', 'tenant_id']);
    // the columns that look like a tenant key are named, as init detects them
    expectFailure(run, /has the tenant column "tenant_id"; columns that look like a tenant key: organization_id \(in 1 table\)$/);
    expect(run.stderr).toContain('hint: run tenantguard init to write a config for it, or pass --tenant-column organization_id');
  });

  it('an app role that does not exist: did you mean (live); created outside the migrations (offline)', async () => {
    const schema =
      'CREATE TABLE organizations (id uuid PRIMARY KEY);\nCREATE TABLE projects (id uuid PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations (id));\n' +
      'CREATE ROLE tg_errors_app_user;\nGRANT SELECT ON projects TO tg_errors_app_user;\n';
    const offline = await runCli(['audit', '--migrations', await dirWith({ '0001_init.sql': schema }), '--app-role', 'tg_errors_app_usr']);
    expectFailure(offline, /^tenantguard: the app role "tg_errors_app_usr" is not created by the migrations in .* \(did you mean "tg_errors_app_user"\?\): it is created outside them/);
    expect(offline.stderr).toContain('roles that reach the tenant tables: tg_errors_app_user');
    if (serverUrl) {
      const live = await runCli(['audit', '--db', withTables!.url!, '--app-role', 'no_such_app_role']);
      expectFailure(live, /^tenantguard: the app role "no_such_app_role" does not exist in database "[^"]+"/);
      expect(live.stderr).toContain('hint: name the role the app connects as with --app-role');
    }
  });

  it('a migrations folder that does not exist', async () => {
    const cwd = await dirWith({ '.keep': '' });
    const run = await runCli(['audit', '--migrations', 'db/migrations'], { cwd });
    expectFailure(run, /db\/migrations/);
  });

  it('a migration with a broken statement names the file, the line and Postgres\' message', async () => {
    const cwd = await dirWith({
      'migrations/0001_init.sql': 'CREATE TABLE organizations (id uuid PRIMARY KEY);\n',
      'migrations/0002_projects.sql': '-- projects\nCREATE TABLE projects (id uuid PRIMARY KEY);\n\nALTER TABLE projects ADD COLUMN organization_id uuid REFERENCES organisations (id);\n',
    });
    const run = await runCli(['audit', '--migrations', 'migrations'], { cwd });
    expectFailure(run, /0002_projects\.sql:4\b.*relation "organisations" does not exist/);
  });
});

describe('config errors', () => {
  it('an invalid config file', async () => {
    const cwd = await dirWith({ 'tenantguard.config.json': '{ "appRole": 7 }' });
    const run = await runCli(['audit', '--db', `postgres://alice:${PASSWORD}@127.0.0.1:1/app`], { cwd });
    expectFailure(run, /^tenantguard: tenantguard\.config\.json:1: appRole: expected a non-empty string, got number 7$/);
  });

  it('a --config file that does not exist', async () => {
    const run = await runCli(['audit', '--config', 'nope.json']);
    expectFailure(run, /config file nope\.json does not exist/);
  });
});

describe('internal errors', () => {
  it('print the stack and ask for a bug report, exit 2, still without the password', async () => {
    // An output stream that fails is nothing tenantguard anticipates.
    let stderr = '';
    const code = await main(['--version', `--db=postgres://alice:${PASSWORD}@h/db`], {
      stdout: { write: () => { throw new Error(`stream closed while printing postgres://alice:${PASSWORD}@h/db`); } },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
      cwd: process.cwd(),
      isTTY: false,
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^tenantguard: internal error\nError: stream closed while printing postgres:\/\/alice:\*\*\*@h\/db\n\s+at /);
    expect(stderr).toContain('this is a bug, please report it');
    expect(stderr).not.toContain(PASSWORD);
  });
});
