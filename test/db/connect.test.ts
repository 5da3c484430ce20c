import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectLive } from '../../src/db/connect.js';
import { parseDatabaseUrl } from '../../src/db/url.js';
import { ConnectionError, TenantguardError } from '../../src/errors.js';
import { createTestDatabase, serverUrl, type TestDatabase } from '../support/db.js';
import { startFakePostgres, type FakeServerOptions } from './support/fake-postgres-server.js';


async function connectError(url: string): Promise<TenantguardError> {
  const error = await connectLive(parseDatabaseUrl(url)).then(
    async (client) => {
      await client.end();
      return null;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TenantguardError);
  const { message, hint } = error as TenantguardError;
  expect(message).not.toContain('\n');
  expect(hint).toBeTruthy();
  return error as TenantguardError;
}

async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function withFake<T>(options: FakeServerOptions, fn: (port: number, server: Awaited<ReturnType<typeof startFakePostgres>>) => Promise<T>) {
  const server = await startFakePostgres(options);
  try {
    return await fn(server.port, server);
  } finally {
    await server.close();
  }
}

describe('connection failures become one-line ConnectionErrors without the password', () => {
  it('connection refused', async () => {
    const port = await unusedPort();
    const error = await connectError(`postgres://app:hunter22@127.0.0.1:${port}/app`);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toBe(`could not connect to 127.0.0.1:${port}: connection refused`);
    expect(`${error.message} ${error.hint}`).not.toContain('hunter22');
  });

  it('unknown host', async () => {
    const error = await connectError('postgres://app:hunter22@nonexistent.invalid:5432/app');
    expect(error.message).toBe('could not connect to nonexistent.invalid:5432: unknown host nonexistent.invalid');
    expect(error.hint).toMatch(/host name/);
  });

  it('password rejected by the server', async () => {
    await withFake({ behaviour: { kind: 'password-rejected', auth: 'cleartext' } }, async (port, server) => {
      const error = await connectError(`postgres://app_user:hunter%2322@127.0.0.1:${port}/app?sslmode=disable`);
      expect(server.passwordsReceived).toEqual(['hunter#22']); // the decoded password did go to the server
      expect(error.message).toBe(`password authentication failed for user "app_user" on 127.0.0.1:${port}`);
      expect(`${error.message} ${error.hint}`).not.toMatch(/hunter/);
    });
    await withFake({ behaviour: { kind: 'password-rejected', auth: 'scram' } }, async (port) => {
      const error = await connectError(`postgres://app_user:hunter22@127.0.0.1:${port}/app?sslmode=disable`);
      expect(error.message).toMatch(/^password authentication failed for user "app_user"/);
    });
  });

  it('password required but the URL has none', async () => {
    await withFake({ behaviour: { kind: 'password-rejected', auth: 'cleartext' } }, async (port) => {
      const error = await connectError(`postgres://app_user@127.0.0.1:${port}/app?sslmode=disable`);
      expect(error.message).toMatch(/the URL has no password$/);
      expect(error.hint).toMatch(/PGPASSWORD/);
    });
  });

  it('server full, and server that only accepts TLS', async () => {
    await withFake({ behaviour: { kind: 'fatal', code: '53300', message: 'sorry, too many clients already' } }, async (port) => {
      expect((await connectError(`postgres://u@127.0.0.1:${port}/app`)).message).toBe(
        `127.0.0.1:${port} has no free connection slots: sorry, too many clients already`,
      );
    });
    const hba = 'no pg_hba.conf entry for host "10.0.0.1", user "u", database "app", no encryption';
    await withFake({ behaviour: { kind: 'fatal', code: '28000', message: hba } }, async (port) => {
      const error = await connectError(`postgres://u@127.0.0.1:${port}/app?sslmode=disable`);
      expect(error.message).toBe(`127.0.0.1:${port} refuses connections without TLS: ${hba}`);
      expect(error.hint).toMatch(/sslmode=require/);
    });
  });

  it('connect timeout', async () => {
    await withFake({ behaviour: { kind: 'silent' } }, async (port) => {
      const started = Date.now();
      const error = await connectError(`postgres://u@127.0.0.1:${port}/app?connect_timeout=2`);
      expect(error.message).toBe(`could not connect to 127.0.0.1:${port} within 2 s`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    });
  });

  it('TLS required but the server has none', async () => {
    await withFake({ behaviour: { kind: 'silent' } }, async (port) => {
      for (const mode of ['require', 'verify-ca', 'verify-full']) {
        const error = await connectError(`postgres://u:hunter22@127.0.0.1:${port}/app?sslmode=${mode}`);
        expect(error.message).toBe(`127.0.0.1:${port} does not support TLS, but sslmode=${mode} requires it`);
      }
    });
  });
});

describe('sslmode against a server that offers TLS', () => {
  let dir: string;
  /** Self-signed certificates: one for 127.0.0.1, one for another name. */
  const certs: Record<'ip' | 'other', { key: string; cert: string; certPath: string }> = {} as never;
  const opensslAvailable = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  beforeAll(async () => {
    if (!opensslAvailable) return;
    dir = await mkdtemp(join(tmpdir(), 'tenantguard-tls-'));
    for (const [name, san] of [['ip', 'IP:127.0.0.1'], ['other', 'DNS:db.example.invalid']] as const) {
      const keyPath = join(dir, `${name}.key`);
      const certPath = join(dir, `${name}.pem`);
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=tenantguard-test', '-addext', `subjectAltName=${san}`,
      ], { stdio: 'ignore' });
      certs[name] = { key: await readFile(keyPath, 'utf8'), cert: await readFile(certPath, 'utf8'), certPath };
    }
  });
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  /** Connects through a TLS-offering server that then rejects the password: 28P01 means TLS got through. */
  async function attempt(cert: 'ip' | 'other', query: string) {
    return withFake({ behaviour: { kind: 'password-rejected', auth: 'cleartext' }, tls: certs[cert] }, async (port, server) => {
      const error = await connectError(`postgres://u:hunter22@127.0.0.1:${port}/app?${query}`);
      return { error, tls: server.tlsNegotiated, passwords: server.passwordsReceived };
    });
  }

  it.skipIf(!opensslAvailable)('prefer and require use TLS without verifying the certificate', async () => {
    for (const query of ['sslmode=prefer', 'sslmode=require', 'ssl=no-verify', '']) {
      const { error, tls } = await attempt('other', query);
      expect(error.message).toMatch(/^password authentication failed/);
      expect(tls).toEqual([true]);
    }
  });

  it.skipIf(!opensslAvailable)('verify-full and ssl=true reject an untrusted certificate before sending the password', async () => {
    for (const query of ['sslmode=verify-full', 'ssl=true', 'sslmode=verify-ca']) {
      const { error, passwords } = await attempt('ip', query);
      expect(error.message).toMatch(/^TLS certificate of 127\.0\.0\.1:\d+ is not trusted \(sslmode=verify-(full|ca)\): self[- ]signed certificate/);
      expect(error.hint).toMatch(/sslrootcert/);
      expect(passwords).toEqual([]);
    }
  });

  it.skipIf(!opensslAvailable)('verify-full trusts sslrootcert and checks the host name; verify-ca does not check it', async () => {
    const trusted = await attempt('ip', `sslmode=verify-full&sslrootcert=${encodeURIComponent(certs.ip.certPath)}`);
    expect(trusted.error.message).toMatch(/^password authentication failed/);
    expect(trusted.tls).toEqual([true]);

    const wrongHost = await attempt('other', `sslmode=verify-full&sslrootcert=${encodeURIComponent(certs.other.certPath)}`);
    expect(wrongHost.error.message).toMatch(/is not trusted \(sslmode=verify-full\): .*altnames/);
    expect(wrongHost.passwords).toEqual([]);

    const caOnly = await attempt('other', `sslmode=verify-ca&sslrootcert=${encodeURIComponent(certs.other.certPath)}`);
    expect(caOnly.error.message).toMatch(/^password authentication failed/);
  });

  it.skipIf(!opensslAvailable)('allow tries without TLS first and retries with TLS when the server insists', async () => {
    const hba = 'no pg_hba.conf entry for host "127.0.0.1", user "u", database "app", no encryption';
    // This server refuses every plaintext startup and also refuses the TLS one, which shows both attempts.
    await withFake({ behaviour: { kind: 'fatal', code: '28000', message: hba }, tls: certs.ip }, async (port, server) => {
      await connectError(`postgres://u@127.0.0.1:${port}/app?sslmode=allow`);
      expect(server.tlsNegotiated).toEqual([false, true]);
    });
  });

  it('an unreadable sslrootcert is a TenantguardError naming the parameter', async () => {
    const error = await connectError('postgres://u@127.0.0.1:1/app?sslmode=verify-full&sslrootcert=/no/such/ca.pem');
    expect(error.message).toBe('cannot read the sslrootcert file /no/such/ca.pem: ENOENT');
  });
});

describe.skipIf(!serverUrl)('live server', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.close());

  const urlWith = (change: (u: URL) => void) => {
    const u = new URL(db.url!);
    change(u);
    return u.toString();
  };

  it('connects with the default sslmode (prefer) to a server without TLS', async () => {
    const client = await connectLive(parseDatabaseUrl(db.url!));
    try {
      const { rows } = await client.query(`SELECT current_database() AS db, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`);
      expect(rows).toEqual([{ db: db.name, ssl: false }]);
    } finally {
      await client.end();
    }
  });

  it('sslmode=require against this server fails the way Postgres answers: no TLS', async () => {
    const error = await connectError(urlWith((u) => u.searchParams.set('sslmode', 'require')));
    expect(error.message).toMatch(/^127\.0\.0\.1:5432 does not support TLS, but sslmode=require requires it$/);
  });

  it('nonexistent database', async () => {
    const error = await connectError(urlWith((u) => (u.pathname = '/tenantguard_no_such_db')));
    expect(error.message).toBe('database "tenantguard_no_such_db" does not exist on 127.0.0.1:5432');
    expect(error.hint).toMatch(/database name/);
  });

  it('nonexistent role', async () => {
    const error = await connectError(urlWith((u) => (u.username = db.role('ghost'))));
    expect(error.message).toBe(`not allowed to connect to 127.0.0.1:5432: role "${db.role('ghost')}" does not exist`);
  });
});
