import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/json-schema.js';
import { KNOWN_KEYS, validateFileConfig } from '../../src/config/validate.js';
import { rules } from '../../src/rules/index.js';

/** The published schema (editor completion via "$schema") must accept exactly what tenantguard accepts. */
const schema = JSON.parse(readFileSync(new URL('../../schema/tenantguard.config.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
const ids = rules.map((r) => r.id);

function accepted(config: unknown): boolean {
  try {
    validateFileConfig(config, { file: 'tenantguard.config.json', knownRules: ids });
    return true;
  } catch {
    return false;
  }
}

const SAMPLES: [string, unknown][] = [
  ['empty', {}],
  ['full', {
    $schema: './node_modules/tenantguard/schema/tenantguard.config.schema.json',
    tenantColumn: 'organization_id', tenantTable: 'organizations', contextSetting: 'app.current_org_id', appRole: 'app_user',
    schemas: ['public'], schemaPerTenant: 'tenant_?*', globalTables: ['plans'], rules: { 'rls-not-forced': 'error', 'tenant-column-missing': 'off' },
    ignore: [{ rule: 'rls-disabled', object: 'public.audit_log', reason: 'append-only, no tenant data' }],
    statementTimeoutMs: 0, lockTimeoutMs: 1000,
  }],
  ['nulls', { tenantTable: null, appRole: null, schemas: null, schemaPerTenant: null }],
  ['schema-per-tenant glob', { schemaPerTenant: 'tenant_*' }],
  ['empty schema-per-tenant glob', { schemaPerTenant: '' }],
  ['schema-per-tenant list', { schemaPerTenant: ['tenant_*'] }],
  ['unknown key', { tenantColum: 'x' }],
  ['empty tenant column', { tenantColumn: '' }],
  ['blank tenant column', { tenantColumn: '   ' }],
  ['numeric tenant column', { tenantColumn: 42 }],
  ['one-part setting', { contextSetting: 'org_id' }],
  ['empty schemas', { schemas: [] }],
  ['schema not a string', { schemas: ['public', 1] }],
  ['unknown rule', { rules: { 'rls-off': 'off' } }],
  ['bad severity', { rules: { 'rls-disabled': 'fatal' } }],
  ['ignore without reason', { ignore: [{ rule: 'rls-disabled', object: 'public.log' }] }],
  ['ignore with blank reason', { ignore: [{ rule: 'rls-disabled', object: 'public.log', reason: ' ' }] }],
  ['ignore unknown rule', { ignore: [{ rule: 'nope', object: 'public.log', reason: 'x' }] }],
  ['ignore extra key', { ignore: [{ rule: 'rls-disabled', object: 'public.log', reason: 'x', until: '2030' }] }],
  ['negative timeout', { statementTimeoutMs: -1 }],
  ['fractional timeout', { lockTimeoutMs: 1.5 }],
  ['not an object', ['public']],
];

describe('schema/tenantguard.config.schema.json', () => {
  it('names every setting the validator knows, and no other', () => {
    expect(Object.keys(schema.properties).sort()).toEqual([...KNOWN_KEYS].sort());
  });

  it('is the schema built from the registered rules (after adding a rule: vitest run test/config/schema.test.ts -u)', async () => {
    await expect(`${JSON.stringify(configJsonSchema(ids), null, 2)}\n`).toMatchFileSnapshot('../../schema/tenantguard.config.schema.json');
    expect(schema.properties.rules.propertyNames.enum).toEqual(ids);
  });

  it.each(SAMPLES)('agrees with the validator: %s', (_name, config) => {
    expect(validate(config)).toBe(accepted(config));
  });

  it('has samples on both sides', () => {
    const verdicts = SAMPLES.map(([, config]) => accepted(config));
    expect(verdicts.filter(Boolean).length).toBe(4);
  });
});
