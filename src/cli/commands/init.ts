/**
 * `tenantguard init`: writes tenantguard.config.json with settings read from
 * the project's database (or its migrations, on the embedded engine) where
 * possible. On a terminal it asks, proposing what it found; elsewhere (CI,
 * pipes, --yes) it never prompts. An existing file is replaced only with --force.
 */
import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { CONFIG_FILE_NAME } from '../../config/load.js';
import type { DetectedSettings } from '../../config/detect.js';
import { DEFAULT_CONFIG } from '../../config/types.js';
import { TenantguardError } from '../../errors.js';
import type { CommandContext, Io } from '../io.js';
import { SCHEMA_REFERENCE, schemaReference } from '../schema-reference.js';

interface InitFlags {
  yes?: boolean;
  force?: boolean;
  db?: string;
  migrations?: string;
}


const DEFAULTS: DetectedSettings = {
  tenantColumn: DEFAULT_CONFIG.tenantColumn,
  tenantTable: null,
  contextSetting: DEFAULT_CONFIG.contextSetting,
  appRole: null,
  schemas: null,
  notes: [],
};

/** Reads the catalog of the project's source (explicit, .env, or a detected migrations folder) and proposes settings. */
async function detect(flags: InitFlags, io: Io): Promise<DetectedSettings> {
  const explicit = flags.db !== undefined || flags.migrations !== undefined;
  const [{ openSource }, { withReadOnlyTransaction }, { introspect }, { detectSettings }] = await Promise.all([
    import('../../db/source.js'),
    import('../../db/transaction.js'),
    import('../../catalog/introspect.js'),
    import('../../config/detect.js'),
  ]);
  let opened;
  try {
    opened = await openSource({
      db: flags.db,
      migrations: flags.migrations,
      cwd: io.cwd,
      env: io.env,
      statementTimeoutMs: DEFAULT_CONFIG.statementTimeoutMs,
      lockTimeoutMs: DEFAULT_CONFIG.lockTimeoutMs,
    });
  } catch (error) {
    if (explicit || !(error instanceof TenantguardError)) throw error;
    io.stderr.write(`No database or migrations to read settings from (${error.message}); using the defaults.\n`);
    return DEFAULTS;
  }
  try {
    io.stderr.write(`Reading settings from ${opened.description}\n`);
    return detectSettings(await withReadOnlyTransaction(opened.connection, (client) => introspect(client, { schemas: null })));
  } finally {
    await opened.close();
  }
}

async function ask(detected: DetectedSettings): Promise<DetectedSettings> {
  const prompts = (await import('prompts')).default;
  let cancelled = false;
  const answers = await prompts(
    [
      { type: 'text', name: 'tenantColumn', message: 'Tenant column (holds the tenant id on every tenant table)', initial: detected.tenantColumn },
      { type: 'text', name: 'tenantTable', message: 'Tenant root table (blank: the table the tenant column references)', initial: detected.tenantTable ?? '' },
      { type: 'text', name: 'contextSetting', message: 'Setting the app puts the current tenant in (set_config)', initial: detected.contextSetting },
      { type: 'text', name: 'appRole', message: 'Role the app connects as (blank: every non-owner role with grants)', initial: detected.appRole ?? '' },
      { type: 'list', name: 'schemas', message: 'Schemas to audit, comma-separated (blank: every non-system schema)', initial: (detected.schemas ?? []).join(', '), separator: ',' },
    ],
    { onCancel: () => ((cancelled = true), false) },
  );
  if (cancelled) throw new TenantguardError('cancelled: nothing written');
  const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);
  const schemas = ((answers.schemas as string[] | undefined) ?? []).map((s) => s.trim()).filter(Boolean);
  return {
    tenantColumn: text(answers.tenantColumn) ?? detected.tenantColumn,
    tenantTable: text(answers.tenantTable),
    contextSetting: text(answers.contextSetting) ?? detected.contextSetting,
    appRole: text(answers.appRole),
    schemas: schemas.length > 0 ? schemas : null,
    notes: detected.notes,
  };
}

/** The file's text: only settings that differ from the defaults, after the schema reference. */
export function renderConfig(settings: DetectedSettings, schema: string = SCHEMA_REFERENCE): string {
  const config: Record<string, unknown> = { $schema: schema, tenantColumn: settings.tenantColumn };
  if (settings.tenantTable !== null) config.tenantTable = settings.tenantTable;
  config.contextSetting = settings.contextSetting;
  if (settings.appRole !== null) config.appRole = settings.appRole;
  if (settings.schemas !== null) config.schemas = settings.schemas;
  config.globalTables = [];
  config.rules = {};
  config.ignore = [];
  return `${JSON.stringify(config, null, 2)}\n`;
}

async function runInit(flags: InitFlags, { io }: CommandContext): Promise<void> {
  const path = resolve(io.cwd, CONFIG_FILE_NAME);
  const exists = await access(path).then(() => true, () => false);
  if (exists && !flags.force) {
    throw new TenantguardError(`${CONFIG_FILE_NAME} already exists`, 'edit it, or pass --force to replace it');
  }
  let settings = await detect(flags, io);
  for (const note of settings.notes) io.stderr.write(`  found ${note}\n`);
  if (io.isTTY && !flags.yes) settings = await ask(settings);
  const { writeFiles } = await import('../../scaffold/write-files.js');
  await writeFiles([{ path, contents: renderConfig(settings, schemaReference(dirname(path))) }], { cwd: io.cwd, force: flags.force === true });
  io.stderr.write(`Wrote ${CONFIG_FILE_NAME}. Next: tenantguard audit\n`);
}

export function registerInit(program: Command, context: CommandContext): void {
  program
    .command('init')
    .description(`write ${CONFIG_FILE_NAME}, with settings read from the database where possible (asks on a terminal)`)
    .option('-y, --yes', 'do not ask: write the detected settings (the default without a terminal)')
    .option('--force', `replace an existing ${CONFIG_FILE_NAME}`)
    .option('--db <url>', 'read the settings from this database')
    .option('--migrations <dir>', 'read the settings from this migrations folder (applied to the embedded engine)')
    .action((flags: InitFlags) => runInit(flags, context));
}
