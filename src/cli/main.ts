import { isAbsolute, relative } from 'node:path';
import { CommanderError } from 'commander';
import { expectedQueryFailure } from '../db/query-errors.js';
import { maskSecretParameters, SECRET_PARAMETER } from '../db/url.js';
import { isTenantguardError, systemFailure } from '../errors.js';
import { printableBlock } from '../printable.js';
import { packageVersion } from '../version.js';
import type { CommandContext, Io } from './io.js';
import { createProgram } from './program.js';

export type { Io } from './io.js';

/** The real process: the only place tenantguard touches process streams. */
export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY),
    stdinIsTTY: Boolean(process.stdin.isTTY),
  };
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"]+/gi;

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Secrets that must never be printed: passwords and secret parameters (sslpassword …) of URLs on the command line or in the environment. */
function secretsIn(argv: readonly string[], env: Io['env']): string[] {
  const secrets = new Set<string>();
  const candidates = [...argv, env.TENANTGUARD_DATABASE_URL, env.DATABASE_URL, env.TENANTGUARD_TEST_DATABASE_URL];
  for (const text of candidates) {
    for (const match of text?.match(URL_IN_TEXT) ?? []) {
      try {
        // Raw query values: libpq percent-decodes them but, unlike URLSearchParams, leaves '+' alone.
        const parameters = [...match.matchAll(/[?&]([^=&#]+)=([^&#]*)/g)].filter(([, name]) => SECRET_PARAMETER.test(name!));
        for (const value of [new URL(match).password, ...parameters.map(([, , value]) => value!)].filter(Boolean)) {
          secrets.add(value).add(safeDecode(value));
        }
      } catch {
        // Not a parseable URL: nothing to extract; the generic masking below still applies.
      }
    }
  }
  if (env.PGPASSWORD) secrets.add(env.PGPASSWORD);
  // Very short strings would garble ordinary words; the URL masking in scrub() still covers them inside URLs.
  return [...secrets].filter((s) => s.length >= 4);
}

/**
 * Masks the password of any URL (`user:secret@` → `user:***@`; a URL read from
 * a .env file can surface in a driver's message), every secret parameter
 * (`sslpassword=****`) and every known secret, whatever printed it. The
 * placeholder in example URLs (`user:password@`) stays readable.
 */
function scrub(text: string, secrets: readonly string[]): string {
  let out = maskSecretParameters(text).replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]*:)(?!password@)[^\s@'"]*@/gi, '$1***@');
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}

/** The path of a file-system error, relative to the working directory when inside it. */
function shownPath(error: unknown, cwd: string): string | undefined {
  const path = (error as NodeJS.ErrnoException | null)?.path;
  if (typeof path !== 'string') return undefined;
  const inside = relative(cwd, path);
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
}

/** What a progress line on a terminal starts with: back to column 0, erase the line. */
const ERASE_LINE = '\r\x1b[K';

/**
 * Everything on stderr may quote names, paths and driver messages: no
 * control character written there reaches the terminal as such, except the
 * erase-line sequence a write may start with (progress lines).
 */
function printableStderr(text: string): string {
  return text.startsWith(ERASE_LINE) ? ERASE_LINE + printableBlock(text.slice(ERASE_LINE.length)) : printableBlock(text);
}

/** `tenantguard audit --bogus` → `tenantguard audit --help`. */
function helpCommandFor(argv: readonly string[], commands: readonly string[]): string {
  const command = argv.find((arg) => !arg.startsWith('-'));
  return command && commands.includes(command) ? `tenantguard ${command} --help` : 'tenantguard --help';
}

/**
 * Runs the CLI and returns the exit code: 0 = no finding at or above
 * --fail-on, 1 = such findings, 2 = usage, config, connection, migration or
 * internal error. Never throws and never calls process.exit.
 */
export async function main(argv: string[], given: Io = processIo()): Promise<number> {
  const io: Io = { ...given, stderr: { write: (text: string) => given.stderr.write(printableStderr(text)) } };
  let exitCode = 0;
  const context: CommandContext = { io, setExitCode: (code) => (exitCode = code) };
  const secrets = secretsIn(argv, io.env);
  const printError = (message: string, hint?: string) => {
    io.stderr.write(scrub(`tenantguard: ${message}\n`, secrets));
    if (hint) io.stderr.write(scrub(`hint: ${hint}\n`, secrets));
  };

  let commands: string[] = [];
  try {
    const program = createProgram(context, packageVersion());
    commands = program.commands.map((command) => command.name());
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end parsing through exitOverride too.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return 0;
      // No command given: commander has printed the help on stderr.
      if (error.code === 'commander.help') return 2;
      // Commander puts its "(Did you mean …?)" suggestion on a second line: keep it, on the same line.
      const message = error.message.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ');
      printError(message, `run ${helpCommandFor(argv, commands)}`);
      return 2;
    }
    // Failures tenantguard expects but that no command turned into a message
    // of its own: the database's answers and the file system's refusals.
    const known = isTenantguardError(error) ? error : (expectedQueryFailure(error) ?? systemFailure(error, { path: shownPath(error, io.cwd) }));
    if (known) {
      printError(known.message.split('\n')[0]!, known.hint);
      return known.exitCode;
    }
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.stderr.write(scrub(`tenantguard: internal error\n${stack}\n`, secrets));
    io.stderr.write('this is a bug, please report it with the output above\n');
    return 2;
  }
}
