import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findDatabaseUrl, parseDotenv } from '../../src/db/env-file.js';

const dirs: string[] = [];
async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tenantguard-env-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('parseDotenv', () => {
  it('reads the dotenv syntax projects use', () => {
    const values = parseDotenv(
      [
        '# a comment',
        'PLAIN=postgres://a@h/db',
        'export EXPORTED=postgres://b@h/db',
        'SPACED = postgres://c@h/db   # trailing comment',
        "SINGLE='postgres://d@h/db#not-a-comment'",
        'DOUBLE="line1\\nline2"',
        'MULTI="first',
        'second"',
        'EMPTY=',
        'COLON: yaml-style',
        'not an assignment',
        'CRLF=value\r',
      ].join('\n'),
    );
    const get = (k: string) => values.get(k)?.value;
    expect(get('PLAIN')).toBe('postgres://a@h/db');
    expect(get('EXPORTED')).toBe('postgres://b@h/db');
    expect(get('SPACED')).toBe('postgres://c@h/db');
    expect(get('SINGLE')).toBe('postgres://d@h/db#not-a-comment');
    expect(get('DOUBLE')).toBe('line1\nline2');
    expect(get('MULTI')).toBe('first\nsecond');
    expect(get('EMPTY')).toBe('');
    expect(get('COLON')).toBe('yaml-style');
    expect(get('CRLF')).toBe('value');
    expect(values.has('not')).toBe(false);
    expect(values.get('SINGLE')?.expand).toBe(false);
  });

  it('ends an unquoted value at #, as dotenv does', () => {
    expect(parseDotenv('DATABASE_URL=postgres://u:pa#ss@h/db').get('DATABASE_URL')?.value).toBe('postgres://u:pa');
  });
});

describe('findDatabaseUrl', () => {
  it('prefers TENANTGUARD_DATABASE_URL over DATABASE_URL, and the environment over files', async () => {
    const cwd = await project({ '.env': 'DATABASE_URL=postgres://file@h/db\n' });
    expect(await findDatabaseUrl(cwd, { DATABASE_URL: 'postgres://env@h/db' })).toEqual({
      name: 'DATABASE_URL',
      value: 'postgres://env@h/db',
      origin: 'environment',
    });
    expect(
      await findDatabaseUrl(cwd, { DATABASE_URL: 'postgres://env@h/db', TENANTGUARD_DATABASE_URL: 'postgres://tg@h/db' }),
    ).toMatchObject({ name: 'TENANTGUARD_DATABASE_URL', value: 'postgres://tg@h/db' });
  });

  it('reads .env.local before .env', async () => {
    const cwd = await project({
      '.env': 'DATABASE_URL=postgres://dotenv@h/db\nOTHER=x\n',
      '.env.local': 'DATABASE_URL="postgres://local@h/db"\n',
    });
    expect(await findDatabaseUrl(cwd, {})).toEqual({ name: 'DATABASE_URL', value: 'postgres://local@h/db', origin: '.env.local' });
  });

  it('falls through empty values and missing files', async () => {
    const cwd = await project({ '.env.local': 'DATABASE_URL=\n', '.env': 'DATABASE_URL=postgres://dotenv@h/db\n' });
    expect(await findDatabaseUrl(cwd, { DATABASE_URL: '' })).toMatchObject({ value: 'postgres://dotenv@h/db', origin: '.env' });
    expect(await findDatabaseUrl(await project({}), {})).toBeNull();
  });

  it('lets a TENANTGUARD_DATABASE_URL in a file beat a DATABASE_URL in the environment', async () => {
    // dotenv only fills variables that are unset, so the app sees both; the specific one wins.
    const cwd = await project({ '.env.local': 'TENANTGUARD_DATABASE_URL=postgres://audit@h/db\n' });
    expect(await findDatabaseUrl(cwd, { DATABASE_URL: 'postgres://app@h/db' })).toMatchObject({
      name: 'TENANTGUARD_DATABASE_URL',
      origin: '.env.local',
    });
  });

  it('expands ${VAR} and $VAR like dotenv-expand, environment first, except in single quotes', async () => {
    const cwd = await project({
      '.env': [
        'DB_USER=app',
        'DB_HOST=file-host',
        'DATABASE_URL=postgres://${DB_USER}:$DB_PASS@${DB_HOST}:${DB_PORT:-5432}/db',
        "TENANTGUARD_DATABASE_URL='postgres://${NOT_EXPANDED}@h/db'",
      ].join('\n'),
    });
    expect((await findDatabaseUrl(cwd, { TENANTGUARD_DATABASE_URL: '', DB_PASS: 'pw', DB_HOST: 'env-host' }))?.value).toBe(
      'postgres://${NOT_EXPANDED}@h/db',
    );
    const withoutTg = await project({ '.env': 'DB_USER=app\nDATABASE_URL=postgres://${DB_USER}:$DB_PASS@${DB_HOST}:${DB_PORT:-5432}/db\n' });
    expect((await findDatabaseUrl(withoutTg, { DB_PASS: 'pw', DB_HOST: 'env-host' }))?.value).toBe('postgres://app:pw@env-host:5432/db');
  });
});
