import { describe, expect, it } from 'vitest';
import { jsonPathLines, lineOfPath } from '../../src/config/json-lines.js';
import { dirWith, expectUsageFailure, runCli } from '../support/cli.js';

const CONFIG = `{
  "$schema": "./node_modules/tenantguard/schema/tenantguard.config.schema.json",
  "tenantColumn": "organization_id",
  "rules": {
    "rls-not-forced": "error",
    "rls-off": "off"
  },
  "ignore": [
    { "rule": "rls-disabled", "object": "public.audit_log", "reason": "append-only" },
    {
      "rule": "rls-disabled",
      "object": "public.events"
    }
  ]
}
`;

describe('JSON path → line', () => {
  const lines = jsonPathLines(CONFIG);
  it('finds keys, array items and nested keys', () => {
    expect(lineOfPath(lines, 'tenantColumn')).toBe(3);
    expect(lineOfPath(lines, 'rules.rls-off')).toBe(6);
    expect(lineOfPath(lines, 'ignore[0]')).toBe(9);
    expect(lineOfPath(lines, 'ignore[1].object')).toBe(12);
  });
  it('falls back to the enclosing object for a missing key', () => {
    expect(lineOfPath(lines, 'ignore[1].reason')).toBe(10);
    expect(lineOfPath(lines, '(root)')).toBe(1);
  });
});

describe('a bad config file stops the audit before any database work (exit 2, file:line, JSON path)', () => {
  it('names an unknown rule', async () => {
    const cwd = await dirWith({ 'tenantguard.config.json': CONFIG });
    const run = await runCli(['audit', '--db', 'postgres://nobody@127.0.0.1:1/none'], { cwd });
    expectUsageFailure(run, /^tenantguard: tenantguard\.config\.json:6: rules\.rls-off: unknown rule "rls-off" \(run tenantguard rules\)$/);
  });

  it('requires a reason on every ignore entry', async () => {
    const cwd = await dirWith({ 'tenantguard.config.json': CONFIG.replace('"rls-off": "off"', '"rls-disabled": "off"') });
    const run = await runCli(['audit', '--db', 'postgres://nobody@127.0.0.1:1/none'], { cwd });
    expectUsageFailure(run, /^tenantguard: tenantguard\.config\.json:10: ignore\[1\]\.reason: missing: every ignore entry needs a reason$/);
  });

  it('points into package.json "tenantguard"', async () => {
    const pkg = `{\n  "name": "app",\n  "tenantguard": {\n    "appRole": 7\n  }\n}\n`;
    const cwd = await dirWith({ 'package.json': pkg });
    const run = await runCli(['audit', '--db', 'postgres://nobody@127.0.0.1:1/none'], { cwd });
    expectUsageFailure(run, /^tenantguard: package\.json "tenantguard":4: appRole: expected a non-empty string, got number 7$/);
  });
});
