/**
 * The `$schema` that `tenantguard init` writes: a path, relative to the
 * config file, that reaches the JSON Schema of the installed package, so
 * editors validate the file offline and against the installed version.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCHEMA_IN_PACKAGE = join('schema', 'tenantguard.config.schema.json');

/** Where editors find the schema once tenantguard is installed in the project (the usual layout). */
export const SCHEMA_REFERENCE = './node_modules/tenantguard/schema/tenantguard.config.schema.json';

function asReference(configDir: string, target: string): string | null {
  const path = relative(configDir, target);
  if (path === '' || isAbsolute(path)) return null;
  const posix = path.split(sep).join('/');
  return posix.startsWith('../') ? posix : `./${posix}`;
}

/**
 * The schema this running tenantguard ships, when it is installed in a
 * node_modules the config folder sees (a workspace may hoist it to the
 * repository root); else the first node_modules/tenantguard up from the
 * config folder; else the usual `./node_modules/…` path, which resolves once
 * the project installs tenantguard (running it with npx or globally).
 */
export function schemaReference(configDir: string): string {
  const running = fileURLToPath(new URL(`../../${SCHEMA_IN_PACKAGE.split(sep).join('/')}`, import.meta.url));
  const fromRunning = asReference(configDir, running);
  if (fromRunning && `/${fromRunning}`.includes('/node_modules/tenantguard/') && existsSync(running)) return fromRunning;
  for (let dir = configDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', 'tenantguard', SCHEMA_IN_PACKAGE);
    if (existsSync(candidate)) return asReference(configDir, candidate) ?? SCHEMA_REFERENCE;
    if (dirname(dir) === dir) return SCHEMA_REFERENCE;
  }
}
