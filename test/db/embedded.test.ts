import { describe, expect, it } from 'vitest';
import { EMBEDDED_EXTENSIONS, openEmbedded } from '../../src/db/embedded.js';

/** Starting PGlite runs initdb in WebAssembly: seconds, more on a busy machine. */
const BOOT_TIMEOUT = 180_000;

describe('openEmbedded', () => {
  it('starts PostgreSQL in process behind a pg.Client, loads only the extensions asked for, and closes', async () => {
    const engine = await openEmbedded({ extensions: ['uuid-ossp', 'not-a-real-extension'] });
    try {
      expect(engine.version).toMatch(/^PostgreSQL 1\d\.\d+ \(PGlite\)$/);
      const { rows } = await engine.client.query(`SELECT current_user AS who, rolsuper FROM pg_roles WHERE rolname = current_user`);
      expect(rows).toEqual([{ who: 'postgres', rolsuper: true }]);

      await engine.client.query('CREATE EXTENSION "uuid-ossp"');
      const uuid = await engine.client.query(`SELECT uuid_generate_v4()::text AS id`);
      expect(uuid.rows[0].id).toMatch(/^[0-9a-f-]{36}$/);
      // citext ships with PGlite but was not requested, so Postgres cannot find it.
      await expect(engine.client.query('CREATE EXTENSION citext')).rejects.toThrow(/extension "citext" is not available/);
      await expect(engine.client.query('CREATE EXTENSION "not-a-real-extension"')).rejects.toThrow(/is not available/);
    } finally {
      await engine.close();
    }
    await engine.close(); // idempotent
    await expect(engine.client.query('SELECT 1')).rejects.toThrow();
  }, BOOT_TIMEOUT);

  it('knows PGlite\'s contrib extensions by their CREATE EXTENSION names', () => {
    expect(EMBEDDED_EXTENSIONS.get('uuid-ossp')).toBe('uuid_ossp');
    expect(EMBEDDED_EXTENSIONS.get('pgcrypto')).toBe('pgcrypto');
    expect(EMBEDDED_EXTENSIONS.has('postgis')).toBe(false);
  });
});
