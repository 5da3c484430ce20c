import { readFileSync } from 'node:fs';
import Ajv from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import { renderSarif } from '../../src/report/sarif.js';
import { rules as registeredRules } from '../../src/rules/index.js';
import { cleanResult, collapsedResult, hostileResult, sampleResult, sampleRules } from './sample-results.js';

const schema = JSON.parse(readFileSync(new URL('../fixtures/sarif-schema-2.1.0.json', import.meta.url), 'utf8'));

function isUri(value: string, relativeAllowed: boolean): boolean {
  if (/\s/.test(value)) return false;
  try {
    new URL(value, relativeAllowed ? 'file:///repo/' : undefined);
    return true;
  } catch {
    return false;
  }
}

// The official schema is draft-04 and uses the uri / uri-reference formats.
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addFormat('uri', (v: string) => isUri(v, false));
ajv.addFormat('uri-reference', (v: string) => isUri(v, true));
ajv.addFormat('date-time', (v: string) => !Number.isNaN(Date.parse(v)));
const validateSarif = ajv.compile(schema);

function parse(text: string) {
  return JSON.parse(text) as {
    version: string;
    runs: {
      tool: { driver: { rules: { id: string; helpUri: string; defaultConfiguration: { level: string } }[] } };
      results: {
        ruleId: string;
        ruleIndex: number;
        level: string;
        partialFingerprints: Record<string, string>;
        locations: {
          physicalLocation?: { artifactLocation: { uri: string }; region: { startLine: number } };
          logicalLocations: { fullyQualifiedName: string; kind: string }[];
        }[];
      }[];
    }[];
  };
}

function expectValid(text: string) {
  const valid = validateSarif(JSON.parse(text));
  expect(validateSarif.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
}

describe('renderSarif', () => {
  const text = renderSarif(sampleResult, { rules: sampleRules, anchor: 'tenantguard.config.json' });
  const run = parse(text).runs[0]!;

  it('matches the snapshot', async () => {
    await expect(text).toMatchFileSnapshot('__snapshots__/sample.sarif');
  });

  it('validates against the official SARIF 2.1.0 schema', () => {
    expectValid(text);
    expectValid(renderSarif(cleanResult, { rules: sampleRules }));
    expectValid(renderSarif(hostileResult, { rules: sampleRules, anchor: 'db/schema #1.sql' }));
    expectValid(renderSarif(collapsedResult, { anchor: 'tenantguard.config.json' }));
  });

  it('gives the consequences of a root cause as related locations', () => {
    const root = JSON.parse(renderSarif(collapsedResult, { anchor: 'tenantguard.config.json' })).runs[0].results[0];
    expect(root.relatedLocations).toEqual([
      {
        id: 0,
        physicalLocation: { artifactLocation: { uri: 'migrations/0001_tables.sql', uriBaseId: '%SRCROOT%' }, region: { startLine: 3 } },
        logicalLocations: [{ name: 'projects', fullyQualifiedName: 'public.projects', kind: 'table' }],
        message: { text: 'read-not-tenant-scoped: app_user can SELECT, UPDATE and DELETE rows of any organization in public.projects' },
      },
      {
        id: 1,
        physicalLocation: { artifactLocation: { uri: 'tenantguard.config.json', uriBaseId: '%SRCROOT%' }, region: { startLine: 1 } },
        logicalLocations: [{ name: 'projects', fullyQualifiedName: 'public.projects', kind: 'table' }],
        message: { text: expect.stringMatching(/^write-check-not-tenant-scoped: app_user can INSERT rows/) },
      },
    ]);
    expect(root.message.text).toContain('\n\nBecause of this:\n- read-not-tenant-scoped on public.projects: app_user can SELECT');
    const plain = JSON.parse(renderSarif(sampleResult, { anchor: 'tenantguard.config.json' })).runs[0].results[0];
    expect(plain).not.toHaveProperty('relatedLocations');
  });

  it('describes every rule with its doc page and default level', () => {
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(sampleRules.map((r) => r.id));
    const info = run.tool.driver.rules.find((r) => r.id === 'context-not-wrapped')!;
    expect(info.defaultConfiguration.level).toBe('note');
    expect(info.helpUri).toBe('https://unpkg.com/tenantguard@0.1.0/docs/rules/context-not-wrapped.md');
  });

  it('links results to their rule, fingerprint and logical location', () => {
    for (const [i, result] of run.results.entries()) {
      const finding = sampleResult.findings[i]!;
      expect(run.tool.driver.rules[result.ruleIndex]!.id).toBe(result.ruleId);
      expect(result.ruleId).toBe(finding.rule);
      expect(result.partialFingerprints['tenantguard/v1']).toBe(finding.fingerprint);
    }
    expect(run.results.map((r) => r.level)).toEqual(['error', 'error', 'warning', 'note']);
    expect(run.results[1]!.locations[0]!.logicalLocations[0]).toMatchObject({
      fullyQualifiedName: 'public.tasks.tenant_write',
      kind: 'policy',
    });
  });

  it('anchors every result: migration file and line, else the anchor file', () => {
    const places = run.results.map((r) => r.locations[0]!.physicalLocation);
    expect(places[0]).toMatchObject({ artifactLocation: { uri: 'drizzle/0000_init.sql' }, region: { startLine: 12 } });
    expect(places[1]).toMatchObject({ artifactLocation: { uri: 'drizzle/0003_policies.sql' }, region: { startLine: 4 } });
    expect(places[2]).toMatchObject({ artifactLocation: { uri: 'tenantguard.config.json' }, region: { startLine: 1 } });
    expect(places[3]).toMatchObject({ artifactLocation: { uri: 'tenantguard.config.json' }, region: { startLine: 1 } });
  });

  it('percent-encodes hostile file names into valid URI references', () => {
    const hostile = parse(renderSarif(hostileResult, { rules: sampleRules, anchor: 'db/schema #1.sql' })).runs[0]!;
    const uris = hostile.results.map((r) => r.locations[0]!.physicalLocation!.artifactLocation.uri);
    expect(uris).toContain('db/schema%20%231.sql');
    for (const uri of uris) expect(isUri(uri, true)).toBe(true);
    expect(decodeURIComponent(uris[0]!)).toBe(`migrations/${hostileResult.findings[0]!.object.name}.sql`);
  });

  it('adds a descriptor for a finding whose rule is not in the list', () => {
    const probe = {
      ...sampleResult,
      findings: [{ ...sampleResult.findings[0]!, rule: 'probe-cross-tenant-read' }],
    };
    const out = parse(renderSarif(probe, { rules: sampleRules })).runs[0]!;
    expect(out.tool.driver.rules.at(-1)!.id).toBe('probe-cross-tenant-read');
    expect(out.results[0]!.ruleIndex).toBe(sampleRules.length);
  });

  it('describes the registered rules by default', () => {
    const out = parse(renderSarif(cleanResult)).runs[0]!;
    expect(out.tool.driver.rules.map((r) => r.id)).toEqual(registeredRules.map((r) => r.id));
    expect(registeredRules.length).toBeGreaterThan(0);
  });
});
