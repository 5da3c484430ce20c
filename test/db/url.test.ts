import { describe, expect, it } from 'vitest';
import { TenantguardError } from '../../src/errors.js';
import { describeTarget, maskUrl, parseDatabaseUrl } from '../../src/db/url.js';

function parseError(url: string, env: Record<string, string> = {}): TenantguardError {
  try {
    parseDatabaseUrl(url, env);
  } catch (error) {
    expect(error).toBeInstanceOf(TenantguardError);
    return error as TenantguardError;
  }
  throw new Error(`expected ${url} to be rejected`);
}

describe('parseDatabaseUrl', () => {
  it('reads every part of a full URL, percent-decoded', () => {
    const t = parseDatabaseUrl('postgresql://app%40corp:p%40ss%3Aw%2Frd@db.example.com:6543/my%20db?sslmode=verify-full&connect_timeout=7');
    expect(t).toMatchObject({
      host: 'db.example.com',
      port: 6543,
      user: 'app@corp',
      password: 'p@ss:w/rd',
      database: 'my db',
      sslmode: 'verify-full',
      connectTimeoutMs: 7000,
      channelBinding: true,
    });
    expect(parseDatabaseUrl('postgres://h/db?sslmode=require&channel_binding=disable').channelBinding).toBe(false);
  });

  it('falls back to libpq defaults and PG* variables for missing parts', () => {
    expect(parseDatabaseUrl('postgres://', { PGHOST: 'pg.internal', PGPORT: '5433', PGUSER: 'bob', PGPASSWORD: 'pw', PGDATABASE: 'shop' }))
      .toMatchObject({ host: 'pg.internal', port: 5433, user: 'bob', password: 'pw', database: 'shop', sslmode: 'prefer' });
    // libpq: the database defaults to the user name, the host to localhost, TLS to "prefer".
    expect(parseDatabaseUrl('postgres://carol@')).toMatchObject({ host: 'localhost', port: 5432, user: 'carol', database: 'carol', password: undefined, sslmode: 'prefer' });
    expect(parseDatabaseUrl('postgres://h/db').connectTimeoutMs).toBe(10_000);
  });

  it('takes IPv6 literals, socket directories and query-string overrides', () => {
    expect(parseDatabaseUrl('postgres://u@[::1]:5433/db')).toMatchObject({ host: '::1', port: 5433 });
    expect(parseDatabaseUrl('postgres://u@%2Fvar%2Frun%2Fpostgresql/db').host).toBe('/var/run/postgresql');
    expect(parseDatabaseUrl('postgres:///db?host=/tmp&port=5499&user=x&password=a+b&dbname=other')).toMatchObject({
      host: '/tmp',
      port: 5499,
      user: 'x',
      password: 'a+b', // libpq does not turn '+' into a space
      database: 'other',
    });
  });

  it('ignores query parameters other tools add (Prisma schema=, pgbouncer=)', () => {
    expect(parseDatabaseUrl('postgresql://u:p@h:5432/db?schema=public&connection_limit=5&pgbouncer=true').database).toBe('db');
  });

  it('honours every libpq sslmode, the ssl= spelling and PGSSLMODE', () => {
    for (const mode of ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const) {
      expect(parseDatabaseUrl(`postgres://h/db?sslmode=${mode}`).sslmode).toBe(mode);
    }
    expect(parseDatabaseUrl('postgres://h/db?ssl=true').sslmode).toBe('verify-full');
    expect(parseDatabaseUrl('postgres://h/db?ssl=1').sslmode).toBe('verify-full');
    expect(parseDatabaseUrl('postgres://h/db?ssl=no-verify').sslmode).toBe('require');
    expect(parseDatabaseUrl('postgres://h/db?ssl=false').sslmode).toBe('disable');
    expect(parseDatabaseUrl('postgres://h/db', { PGSSLMODE: 'require' }).sslmode).toBe('require');
    expect(parseDatabaseUrl('postgres://h/db?sslmode=disable', { PGSSLMODE: 'require' }).sslmode).toBe('disable');
    const bad = parseError('postgres://u:hunter22@h/db?sslmode=required');
    expect(bad.message).toBe('invalid sslmode "required" in postgres://u:****@h/db?sslmode=required');
    expect(bad.hint).toContain('verify-full');
  });

  it('follows libpq for connect_timeout: 0 waits forever, below 2 s is raised to 2 s', () => {
    expect(parseDatabaseUrl('postgres://h/db?connect_timeout=0').connectTimeoutMs).toBe(0);
    expect(parseDatabaseUrl('postgres://h/db?connect_timeout=1').connectTimeoutMs).toBe(2000);
    expect(parseError('postgres://h/db?connect_timeout=soon').message).toContain('connect_timeout');
  });

  it('rejects malformed URLs with a one-line message, a hint, and no password', () => {
    const cases: [string, string][] = [
      ['localhost:5432/app', 'does not start with postgres://'],
      ['mysql://root:hunter22@h/db', 'unsupported scheme "mysql://"'],
      ['postgres://app:hunter22@db.example.com:54x2/app', 'cannot be parsed'],
      ['postgres://app:hunter22%@h/db', 'invalid percent-encoding in the password'],
      ['postgres://app:hunter22@h1:5432,h2:5432/db', 'several hosts'],
      ['postgres://app:hunter22@h:70000/db', 'cannot be parsed'],
    ];
    for (const [url, reason] of cases) {
      const error = parseError(url);
      expect(error.message).toContain(reason);
      expect(error.message).toMatch(/^malformed database URL /);
      expect(error.message).not.toContain('\n');
      expect(error.message).not.toContain('hunter22');
      expect(error.hint).toBeTruthy();
    }
  });

  it('explains unencoded special characters in a password without showing it', () => {
    // '#' starts a fragment: the URL would silently lose the rest of the password.
    const error = parseError('postgres://app:hunter#22@h/db');
    expect(error.message).not.toMatch(/hunter|22/);
    expect(error.hint).toContain('# as %23');
  });
});

describe('maskUrl', () => {
  it('replaces the password and nothing else', () => {
    expect(maskUrl('postgres://app:s3cret@db.example.com:5432/app?sslmode=require')).toBe(
      'postgres://app:****@db.example.com:5432/app?sslmode=require',
    );
    expect(maskUrl('postgres://app@db.example.com/app')).toBe('postgres://app@db.example.com/app');
    expect(maskUrl('postgres://db.example.com:5432/app')).toBe('postgres://db.example.com:5432/app');
  });

  it('masks passwords that contain URL delimiters, and password= parameters', () => {
    expect(maskUrl('postgres://app:a@b/c?d#e@db.example.com/app')).toBe('postgres://app:****@db.example.com/app');
    expect(maskUrl('postgres://app@h/db?sslmode=require&password=s3cret')).toBe('postgres://app@h/db?sslmode=require&password=****');
    expect(maskUrl('host=h user=app password=s3cret dbname=x')).toBe('host=h user=app password=**** dbname=x');
    // No '@': "user:secret" would read as host:port; a non-numeric port is masked.
    expect(maskUrl('postgres://app:s3cret/with/slash')).toBe('postgres://app:****');
  });

  it('masks sslpassword and every other secret parameter, in URLs and key=value strings', () => {
    expect(maskUrl('postgres://app@h/db?sslkey=/k.pem&sslpassword=k3y-pass&sslmode=verify-full')).toBe(
      'postgres://app@h/db?sslkey=/k.pem&sslpassword=****&sslmode=verify-full',
    );
    expect(maskUrl("host=h sslpassword='a b\\'c' user=app")).toBe('host=h sslpassword=**** user=app');
    expect(maskUrl('postgres://h/db?api_key=abc&access_token=def&PASSWORD=x')).toBe('postgres://h/db?api_key=****&access_token=****&PASSWORD=****');
    expect(maskUrl('postgres://h/db?application_name=app&user=bob')).toBe('postgres://h/db?application_name=app&user=bob');
  });

  it('reads sslpassword as the passphrase of the client key', () => {
    expect(parseDatabaseUrl('postgres://h/db?sslkey=/k.pem&sslpassword=k%20p')).toMatchObject({ sslkey: '/k.pem', sslpassword: 'k p' });
  });
});

describe('describeTarget', () => {
  it('names database, endpoint and user, and says when a password was masked', () => {
    expect(describeTarget(parseDatabaseUrl('postgres://app_user:s3cret@db.example.com:5432/app'))).toBe(
      'database app on db.example.com:5432 as app_user (password masked)',
    );
    expect(describeTarget(parseDatabaseUrl('postgres://app_user@[::1]/app'))).toBe('database app on [::1]:5432 as app_user');
    expect(describeTarget(parseDatabaseUrl('postgres://u@%2Ftmp/app'))).toBe('database app on socket /tmp/.s.PGSQL.5432 as u');
  });
});
