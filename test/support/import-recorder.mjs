// Module resolution hook (node --import ./test/support/record-imports.mjs):
// appends every resolved module URL to $TENANTGUARD_IMPORT_LOG, so a test can
// check which packages a command really loads.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (process.env.TENANTGUARD_IMPORT_LOG) appendFileSync(process.env.TENANTGUARD_IMPORT_LOG, `${resolved.url}\n`);
  return resolved;
}
