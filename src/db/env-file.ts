import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Files read in this order; an earlier file wins, as with Next.js, Drizzle and Prisma projects. */
export const ENV_FILES = ['.env.local', '.env'] as const;

/** The variables that name the database, strongest first. */
export const DATABASE_URL_VARIABLES = ['TENANTGUARD_DATABASE_URL', 'DATABASE_URL'] as const;

export interface EnvSetting {
  name: string;
  value: string;
  /** 'environment', or the file it was read from ('.env.local', '.env'). */
  origin: string;
}

interface ParsedValue {
  value: string;
  /** Single-quoted values are taken literally; others get ${VAR} expansion. */
  expand: boolean;
}

const KEY = /[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*(?:=|:[ \t])[ \t]*/y;

/**
 * Parse dotenv text the way the `dotenv` package does: `KEY=value`,
 * `export KEY=value`, `#` comments (also after an unquoted value), values in
 * '…', "…" (with \n and \r escapes) or `…`, possibly spanning lines.
 */
export function parseDotenv(text: string): Map<string, ParsedValue> {
  const values = new Map<string, ParsedValue>();
  const src = text.replace(/\r\n?/g, '\n');
  let pos = 0;
  while (pos < src.length) {
    const lineEnd = src.indexOf('\n', pos) < 0 ? src.length : src.indexOf('\n', pos);
    KEY.lastIndex = pos;
    const key = KEY.exec(src);
    if (!key || key.index !== pos || key.index + key[0].length > lineEnd) {
      pos = lineEnd + 1; // blank line, comment, or not an assignment
      continue;
    }
    const name = key[1]!;
    let at = pos + key[0].length;
    const quote = src[at];
    if (quote === '"' || quote === "'" || quote === '`') {
      const close = findClosingQuote(src, at + 1, quote);
      if (close >= 0) {
        let value = src.slice(at + 1, close);
        if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r').replace(/\\"/g, '"');
        values.set(name, { value, expand: quote !== "'" });
        const after = src.indexOf('\n', close);
        pos = after < 0 ? src.length : after + 1;
        continue;
      }
    }
    const hash = src.indexOf('#', at);
    const end = hash >= 0 && hash < lineEnd ? hash : lineEnd;
    values.set(name, { value: src.slice(at, end).trim(), expand: true });
    pos = lineEnd + 1;
  }
  return values;
}

function findClosingQuote(src: string, from: number, quote: string): number {
  for (let i = from; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === quote) return i;
  }
  return -1;
}

/**
 * `${VAR}`, `${VAR:-default}` and `$VAR`, as dotenv-expand (used by Next.js)
 * resolves them: the environment first, then the files. `\$` is a literal `$`.
 */
function expand(value: string, lookup: (name: string) => string | undefined): string {
  return value.replace(
    /\\\$|\$\{([A-Za-z_][A-Za-z0-9_.]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced: string | undefined, fallback: string | undefined, bare: string | undefined) => {
      if (match === '\\$') return '$';
      const found = lookup((braced ?? bare)!);
      return found !== undefined && found !== '' ? found : (fallback ?? '');
    },
  );
}

async function readEnvFile(cwd: string, file: string): Promise<Map<string, ParsedValue> | null> {
  try {
    return parseDotenv(await readFile(join(cwd, file), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'EISDIR') return null;
    throw error;
  }
}

/**
 * The database URL the project's own tooling would see: TENANTGUARD_DATABASE_URL
 * before DATABASE_URL, and for each variable the environment before `.env.local`
 * before `.env` (dotenv never overrides a variable that is already set). So a
 * TENANTGUARD_DATABASE_URL in `.env.local` beats a DATABASE_URL in the
 * environment. Empty values count as unset. Files are read only when needed.
 */
export async function findDatabaseUrl(cwd: string, env: Record<string, string | undefined>): Promise<EnvSetting | null> {
  let files: { file: string; values: Map<string, ParsedValue> }[] | null = null;
  const loadFiles = async () => {
    files ??= (await Promise.all(ENV_FILES.map(async (file) => ({ file, values: await readEnvFile(cwd, file) }))))
      .filter((f): f is { file: (typeof ENV_FILES)[number]; values: Map<string, ParsedValue> } => f.values !== null);
    return files;
  };

  for (const name of DATABASE_URL_VARIABLES) {
    const fromEnv = env[name];
    if (fromEnv !== undefined && fromEnv.trim() !== '') return { name, value: fromEnv.trim(), origin: 'environment' };
    const loaded = await loadFiles();
    const lookup = (variable: string): string | undefined => {
      if (env[variable] !== undefined) return env[variable];
      return loaded.map(({ values }) => values.get(variable)?.value).find((v) => v !== undefined);
    };
    for (const { file, values } of loaded) {
      const found = values.get(name);
      if (found === undefined) continue;
      const value = (found.expand ? expand(found.value, lookup) : found.value).trim();
      if (value !== '') return { name, value, origin: file };
    }
  }
  return null;
}
