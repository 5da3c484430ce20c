/**
 * An offline audit never hangs and never reaches the host: a migration that
 * sleeps or loops is stopped at the statement timeout, and a statement that
 * runs a program or reads or writes server files is refused before the
 * engine starts. Each ends with one line naming file:line, exit 2.
 */
import { describe, expect, it } from 'vitest';
import { dirWith, expectUsageFailure, runCli } from '../support/cli.js';
import { loadParser } from '../../src/sql/parser.js';
import { hostAccessIn } from '../../src/db/migrations/host-access.js';

/**
 * The test's own bound, far above what the product takes: starting the embedded engine takes
 * seconds on a busy machine, stopping a statement takes the statement timeout.
 */
const ENGINE = 180_000;
/**
 * The product's bound, wall-clock like Postgres' own. The statements before a hang must stay
 * under it on a machine loaded with other test files running beside this one; what the tests
 * bound is the product's behaviour (stopped, exit 2, the statement named), never the machine's speed.
 */
const TIMEOUT_MS = 4000;

const TABLE = 'CREATE TABLE organizations (id uuid PRIMARY KEY);\n';

async function auditFolder(files: Record<string, string>, ...flags: string[]) {
  const cwd = await dirWith(Object.fromEntries(Object.entries(files).map(([name, sql]) => [`migrations/${name}`, sql])));
  const started = performance.now();
  const run = await runCli(['audit', '--migrations', 'migrations', '--statement-timeout', String(TIMEOUT_MS), ...flags], { cwd });
  return { run, seconds: (performance.now() - started) / 1000 };
}

describe('a migration that would run for ever is stopped at the statement timeout', () => {
  const cases: { name: string; files: Record<string, string>; at: string }[] = [
    {
      name: 'pg_sleep in a file sent as one batch',
      files: { '0001_init.sql': TABLE, '0002_wait.sql': 'CREATE TABLE a (id int);\n\nSELECT pg_sleep(100000);\nCREATE TABLE b (id int);\n' },
      at: '0002_wait.sql:3',
    },
    {
      name: 'an endless loop in a DO block, alone in its file',
      files: { '0001_init.sql': TABLE, '0002_loop.sql': '-- spins\nDO $$ BEGIN LOOP END LOOP; END $$;\n' },
      at: '0002_loop.sql:2',
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { run, seconds } = await auditFolder(c.files);
      expectUsageFailure(run, new RegExp(`^tenantguard: migrations/${c.at.replace('.', '\\.')}: the statement ran longer than the statement timeout \\(${TIMEOUT_MS} ms\\); the embedded engine was stopped$`));
      // The engine was stopped, not left to finish: it waited the timeout and no more than engine start-ups.
      expect(seconds).toBeGreaterThanOrEqual(TIMEOUT_MS / 1000);
      expect(seconds).toBeLessThan(120);
    }, ENGINE);
  }

  it('applies the statements of a batch one by one when only their sum outlives the timeout: the limit is per statement', async () => {
    // Each sleep leaves three quarters of the timeout to spare, for a loaded machine; together they outlive it.
    const slowish = `SELECT pg_sleep(${(TIMEOUT_MS * 0.25) / 1000});\n`;
    const projects = 'CREATE TABLE projects (id uuid PRIMARY KEY, organization_id uuid NOT NULL REFERENCES organizations (id));\n';
    const { run } = await auditFolder({ '0001_init.sql': TABLE + slowish + slowish + projects + slowish + slowish + slowish }, '--fail-on', 'never', '--format', 'json');
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).summary.tables).toBe(2);
  }, ENGINE);
});

describe('statements that run programs or touch server files are refused before the engine starts', () => {
  const refused: [name: string, sql: string, message: RegExp][] = [
    ['COPY FROM PROGRAM', "COPY organizations FROM PROGRAM 'id'", /COPY … FROM PROGRAM runs a program on the database server/],
    ['COPY TO PROGRAM of a query', "COPY (SELECT 1) TO PROGRAM 'touch /tmp/x'", /COPY … TO PROGRAM runs a program/],
    ['COPY FROM a file', "COPY organizations FROM '/etc/passwd'", /COPY … FROM '\/etc\/passwd' reads a file on the database server/],
    ['COPY TO a file', "COPY organizations TO '/tmp/out.csv' (FORMAT csv)", /COPY … TO '\/tmp\/out\.csv' writes a file/],
    ['pg_read_file', "SELECT pg_read_file('/etc/passwd')", /pg_read_file\(\) reads a file on the database server/],
    ['pg_read_binary_file, qualified', "SELECT pg_catalog.pg_read_binary_file('/etc/passwd')", /pg_read_binary_file\(\) reads a file/],
    ['pg_ls_dir in a subquery', "INSERT INTO organizations SELECT gen_random_uuid() FROM pg_ls_dir('/') AS f", /pg_ls_dir\(\) lists a folder/],
    ['lo_import', "SELECT lo_import('/etc/passwd')", /lo_import\(\) reads a file/],
    ['lo_export', "SELECT lo_export(1, '/tmp/out')", /lo_export\(\) writes a file/],
    ['a DO block', "DO $$ DECLARE t text; BEGIN t := pg_read_file('/etc/passwd'); END $$", /pg_read_file\(\) reads a file/],
    ['a PL/pgSQL function body', "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN COPY organizations FROM PROGRAM 'id'; END $$", /COPY … FROM PROGRAM runs a program/],
    ['a SQL function body', "CREATE FUNCTION g() RETURNS text LANGUAGE sql AS 'SELECT pg_read_file(''/etc/passwd'')'", /pg_read_file\(\) reads a file/],
    ['a SQL function with a standard body', 'CREATE FUNCTION h() RETURNS setof text LANGUAGE sql BEGIN ATOMIC SELECT pg_ls_dir(\'/\'); END', /pg_ls_dir\(\) lists a folder/],
    ['a file_fdw foreign table', "CREATE FOREIGN TABLE logs (line text) SERVER files OPTIONS (program 'tail -f /var/log/syslog')", /foreign table with the program option runs a program/],
  ];
  for (const [name, sql, message] of refused) {
    it(name, async () => {
      const { run } = await auditFolder({ '0001_init.sql': TABLE, '0002_load.sql': `-- loads data\n\n${sql};\n` });
      expectUsageFailure(run, new RegExp(`^tenantguard: migrations/0002_load\\.sql:3: .*${message.source}.*: the embedded engine does not run it$`));
      expect(run.stderr).not.toMatch(/starting the embedded/);
    });
  }

  it('leaves alone what only looks alike: COPY FROM STDIN, a function of the same name in another schema, text that mentions them', async () => {
    const parser = await loadParser();
    const tree = (sql: string) => parser.parse(sql);
    expect(hostAccessIn(tree('COPY organizations FROM STDIN'), parser)).toBeNull();
    expect(hostAccessIn(tree("SELECT files.pg_read_file('x')"), parser)).toBeNull();
    expect(hostAccessIn(tree("COMMENT ON TABLE organizations IS 'COPY … FROM PROGRAM, pg_read_file()'"), parser)).toBeNull();
    expect(hostAccessIn(tree("CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$"), parser)).toBeNull();
  });
});
