/**
 * The JSON Schema published as schema/tenantguard.config.schema.json, for
 * editor completion through "$schema". Built from the rule ids so it cannot
 * drift: test/config/schema.test.ts checks the published file against this
 * (`npx vitest run test/config/schema.test.ts -u` rewrites it after a rule is
 * added) and checks that it accepts exactly what validate.ts accepts.
 */
import { DEFAULT_CONFIG } from './types.js';

const nonEmpty = { type: 'string', pattern: '\\S' } as const;
const orNull = (schema: object) => ({ oneOf: [schema, { type: 'null' }] });

export function configJsonSchema(ruleIds: readonly string[]): object {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://unpkg.com/tenantguard/schema/tenantguard.config.schema.json',
    title: 'tenantguard configuration',
    description:
      'tenantguard.config.json, or the "tenantguard" key of package.json. Flags and TENANTGUARD_* environment variables override it.',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string', description: 'This schema, for editor completion.' },
      tenantColumn: { ...nonEmpty, description: 'The column that holds the tenant id.', default: 'organization_id' },
      tenantTable: {
        description: 'The tenant root table (`table` or `schema.table`); null = the table the tenant column references, else organizations.',
        ...orNull(nonEmpty),
        default: null,
      },
      contextSetting: {
        type: 'string',
        pattern: '^[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)+$',
        description: 'The custom setting that carries the current tenant (set_config(…, true) per transaction).',
        default: 'app.current_org_id',
      },
      appRole: {
        description: 'The role the application connects as; null = every non-owner role with grants on a table counts.',
        ...orNull(nonEmpty),
        default: null,
      },
      schemas: {
        description: 'Schemas to audit; null = every non-system schema.',
        ...orNull({ type: 'array', items: nonEmpty, minItems: 1 }),
        default: null,
      },
      schemaPerTenant: {
        description:
          'Schema-per-tenant layouts: a glob naming the tenant schemas (`*` any run of characters, `?` one character, matched against the whole name), e.g. tenant_*; roles that reach more than one of them through grants, membership or search_path are reported. null = not such a layout.',
        ...orNull(nonEmpty),
        default: null,
      },
      globalTables: {
        type: 'array',
        items: nonEmpty,
        description:
          "Tables shared by every tenant (`table` or `schema.table`); also settable in the database with COMMENT ON TABLE … IS '@tenantguard global'.",
        default: [],
      },
      platformRoles: {
        type: 'array',
        items: nonEmpty,
        description:
          "Roles a hosting platform's own servers use, never the app's users; their access across tenants is by design and reported as info. Replaces the default list (Supabase's platform roles).",
        default: [...DEFAULT_CONFIG.platformRoles],
      },
      anonRole: {
        description:
          "The role API requests without a signed-in user run as (Supabase's anon); a signed-in check such as auth.uid() IS NOT NULL admits none of its rows. null = no such role.",
        ...orNull(nonEmpty),
        default: DEFAULT_CONFIG.anonRole,
      },
      rules: {
        type: 'object',
        description: 'Severity per rule id (`tenantguard rules` lists them).',
        propertyNames: { enum: [...ruleIds] },
        additionalProperties: { enum: ['error', 'warning', 'info', 'off'] },
      },
      ignore: {
        type: 'array',
        description: 'Accepted findings, each with the reason it is accepted.',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['rule', 'object', 'reason'],
          properties: {
            rule: { enum: [...ruleIds], description: 'Rule id.' },
            object: {
              ...nonEmpty,
              description: '`schema.table`, `schema.table.policy`, or a bare name; an entry for a table covers its policies, columns and constraints.',
            },
            reason: { ...nonEmpty, description: 'Why this finding is accepted (required).' },
          },
        },
      },
      setup: {
        type: 'array',
        items: nonEmpty,
        description:
          'SQL files (relative to this file) applied to the embedded engine before the migrations: roles and grants kept outside them, such as docker/init.sql. Offline audits only; --setup replaces them.',
        default: [],
      },
      statementTimeoutMs: { type: 'integer', minimum: 0, description: 'statement_timeout for the audit session, in ms (0 = no limit).', default: 30000 },
      lockTimeoutMs: { type: 'integer', minimum: 0, description: 'lock_timeout for the audit session, in ms (0 = no limit).', default: 5000 },
      databases: {
        type: 'array',
        items: nonEmpty,
        description:
          'Databases that `tenantguard audit` audits when no --db or --migrations is given: URLs, or $NAME / ${NAME} to read one from an environment variable (keeps passwords out of the file).',
        default: [],
      },
      docsBaseUrl: {
        description:
          'Base URL of the rule documentation links in reports ({version} becomes the tenantguard version); null = the docs/rules folder of the installed package, as a file: URL.',
        ...orNull({ type: 'string', pattern: '^[A-Za-z][A-Za-z0-9+.-]*:' }),
        default: null,
      },
    },
  };
}
