/**
 * Scaffolds are rendered from real files under templates/ whose only dynamic
 * parts are `{{name}}` placeholders. Values arrive already quoted (identifiers
 * and literals through sql/quote.ts), so filling is plain substitution: one
 * pass, so a value that itself looks like `{{x}}` is never expanded again.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const PLACEHOLDER = /\{\{([a-z][a-z0-9_]*)\}\}/g;

/** templates/ of the installed package: two levels up from src/scaffold or dist/scaffold. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

export async function readTemplate(relativePath: string): Promise<string> {
  return readFile(path.join(TEMPLATES_DIR, relativePath), 'utf8');
}

/** The placeholder names a template uses, in order of first use. */
export function placeholdersOf(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/**
 * Substitutes every placeholder. A placeholder without a value, or a value
 * the template does not use, is a programming error: fail loudly rather than
 * emit a migration with `{{table}}` in it.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>, name = 'template'): string {
  const used = new Set<string>();
  const filled = template.replace(PLACEHOLDER, (_match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`${name}: no value for {{${key}}}`);
    used.add(key);
    return value;
  });
  const unused = Object.keys(values).filter((key) => !used.has(key));
  if (unused.length > 0) throw new Error(`${name}: unused values ${unused.join(', ')}`);
  return filled;
}
