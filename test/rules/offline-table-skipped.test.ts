import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../src/audit.js';

const app = fileURLToPath(new URL('../../fixtures/apps/unavailable-extension/', import.meta.url));

describe('offline-table-skipped', () => {
  it('reports a tenant table whose CREATE TABLE needed an unavailable extension, at that statement', async () => {
    const result = await runAudit({ cwd: app, env: {}, offline: true, appRole: 'app_user' });
    const skipped = result.findings.filter((f) => f.rule === 'offline-table-skipped');
    expect(skipped.map((f) => [f.object.name, f.severity, f.location])).toEqual([
      ['sites', 'warning', { file: 'migrations/001_init.sql', line: 8 }],
    ]);
    expect(skipped[0]!.message).toMatch(/^could not audit public\.sites offline: its CREATE TABLE at migrations\/001_init\.sql:8 was skipped \(type "geography" does not exist/);
  });

  it('says nothing about a skipped table without the tenant column', async () => {
    const result = await runAudit({ cwd: app, env: {}, offline: true, appRole: 'app_user', tenantColumn: 'name' });
    expect(result.findings.filter((f) => f.rule === 'offline-table-skipped')).toEqual([]);
  });
});
