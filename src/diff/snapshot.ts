/**
 * The access matrix as a file (`tenantguard snapshot --output access.json`),
 * and reading one back for `diff --base-snapshot`. Reading checks the whole
 * shape, so a file from another version or edited by hand fails with one
 * line naming what is wrong, never later inside the comparison.
 */
import { readFile } from 'node:fs/promises';
import { TenantguardError } from '../errors.js';
import { MATRIX_FORMAT_VERSION, type AccessMatrix } from './matrix.js';

export function renderSnapshot(matrix: AccessMatrix): string {
  return `${JSON.stringify(matrix, null, 2)}\n`;
}

const REACHES = ['none', 'own', 'user', 'unknown', 'any'];
const COMMANDS = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'EXECUTE'];

type Check = (value: unknown, path: string) => string | null;

const isString: Check = (v, p) => (typeof v === 'string' ? null : `${p} must be a string`);
const isBoolean: Check = (v, p) => (typeof v === 'boolean' ? null : `${p} must be true or false`);
const nullable = (check: Check): Check => (v, p) => (v === null ? null : check(v, p));
const oneOf = (values: readonly string[]): Check => (v, p) => (typeof v === 'string' && values.includes(v) ? null : `${p} must be one of ${values.join(', ')}`);
const arrayOf = (check: Check): Check => (v, p) => {
  if (!Array.isArray(v)) return `${p} must be an array`;
  for (const [i, item] of v.entries()) {
    const problem = check(item, `${p}[${i}]`);
    if (problem) return problem;
  }
  return null;
};
const objectWith = (fields: Record<string, Check>): Check => (v, p) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${p} must be an object`;
  for (const [name, check] of Object.entries(fields)) {
    const problem = check((v as Record<string, unknown>)[name], `${p}.${name}`);
    if (problem) return problem;
  }
  return null;
};

const policyRef = objectWith({ name: isString, permissive: isBoolean, clause: oneOf(['using', 'withCheck']), fallback: isBoolean, text: nullable(isString), loose: isBoolean });
const cell = objectWith({
  role: isString,
  command: oneOf(COMMANDS),
  via: isString,
  rows: nullable(oneOf(REACHES)),
  check: nullable(oneOf(REACHES)),
  policies: arrayOf(policyRef),
  reasons: arrayOf(isString),
});
const named = { schema: isString, name: isString, owner: isString, cells: arrayOf(cell) };
const matrixShape = objectWith({
  source: objectWith({ kind: oneOf(['database', 'migrations']), name: isString }),
  tenantColumn: isString,
  appRole: nullable(isString),
  tables: arrayOf(objectWith({ ...named, rls: isBoolean, force: isBoolean })),
  views: arrayOf(objectWith({ ...named, kind: oneOf(['view', 'materialized-view']), securityInvoker: isBoolean, tables: arrayOf(isString) })),
  functions: arrayOf(objectWith({ ...named, arguments: isString, searchPathPinned: isBoolean, tables: arrayOf(isString) })),
  roles: arrayOf(objectWith({ name: isString, via: isString, attribute: oneOf(['superuser', 'bypassrls']) })),
});

const HINT = 'write it with `tenantguard snapshot --output FILE` (docs/diff.md describes the format)';

/** Reads and checks a snapshot file; `shown` is the path as the user gave it. */
export async function readSnapshot(path: string, shown: string): Promise<AccessMatrix> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TenantguardError(`cannot read the snapshot ${shown} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 'check the path given to --base-snapshot');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TenantguardError(`${shown} is not JSON`, HINT);
  }
  const document = value as Partial<AccessMatrix> | null;
  if (document?.tool !== 'tenantguard' || document.document !== 'access-matrix') {
    throw new TenantguardError(`${shown} is not a tenantguard access matrix`, HINT);
  }
  if (document.formatVersion !== MATRIX_FORMAT_VERSION) {
    throw new TenantguardError(
      `${shown} has access-matrix format ${String(document.formatVersion)}; this tenantguard reads format ${MATRIX_FORMAT_VERSION}`,
      'take the snapshot again with this version of tenantguard',
    );
  }
  const problem = matrixShape(value, 'snapshot');
  if (problem) throw new TenantguardError(`${shown} is damaged: ${problem}`, HINT);
  return value as AccessMatrix;
}
