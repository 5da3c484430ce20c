import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TenantguardError } from '../../../errors.js';
import type { MigrationStatement } from '../../types.js';
import type { MigrationLayout } from '../layout.js';
import { splitSql } from '../split-sql.js';
import { countNewlines } from '../text-position.js';

interface JournalEntry {
  tag: string;
}

const BREAKPOINT = '--> statement-breakpoint';

/**
 * A drizzle-kit output folder: `meta/_journal.json` lists the migrations
 * (`entries[].tag` → `<tag>.sql`) in the order drizzle's migrator applies them.
 */
export const drizzleLayout: MigrationLayout = {
  name: 'drizzle',
  async listFiles(folder, display) {
    const journalPath = join(folder, 'meta', '_journal.json');
    let text: string;
    try {
      text = await readFile(journalPath, 'utf8');
    } catch (error) {
      // No journal: not a drizzle folder. A journal that cannot be read is a
      // failure, never a reason to apply the files in name order instead.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw error;
    }
    const entries = readJournal(text, display(journalPath));
    const files = entries.map((entry) => join(folder, `${entry.tag}.sql`));
    for (const [i, file] of files.entries()) {
      await access(file).catch(() => {
        throw new TenantguardError(
          `${display(journalPath)} lists migration "${entries[i]!.tag}", but ${display(file)} does not exist`,
          'regenerate the migrations with drizzle-kit generate, or restore the missing file',
        );
      });
    }
    return files;
  },

  /**
   * Drizzle's migrator splits a file on `--> statement-breakpoint` and sends
   * each chunk on its own; a hand-written chunk may still hold several
   * statements, so each chunk is split again by the Postgres parser, which
   * also gives every statement its own line.
   */
  async splitStatements(text) {
    const statements: MigrationStatement[] = [];
    let offset = 0;
    for (const chunk of text.split(BREAKPOINT)) {
      statements.push(...(await splitSql(chunk, 1 + countNewlines(text, offset))));
      offset += chunk.length + BREAKPOINT.length;
    }
    return statements;
  },
};

function readJournal(text: string, shownPath: string): JournalEntry[] {
  let journal: unknown;
  try {
    journal = JSON.parse(text);
  } catch (error) {
    throw new TenantguardError(`${shownPath} is not valid JSON: ${(error as Error).message}`, 'restore it from version control or regenerate it with drizzle-kit generate');
  }
  const { dialect, entries } = (journal ?? {}) as { dialect?: unknown; entries?: unknown };
  if (typeof dialect === 'string' && !['postgresql', 'pg', 'postgres'].includes(dialect)) {
    throw new TenantguardError(`${shownPath} is for dialect "${dialect}", not PostgreSQL`, 'point --migrations at the PostgreSQL migrations folder');
  }
  if (!Array.isArray(entries) || entries.some((e) => typeof (e as JournalEntry)?.tag !== 'string' || (e as JournalEntry).tag === '')) {
    throw new TenantguardError(`${shownPath} has no valid "entries" list (each entry needs a "tag")`, 'regenerate it with drizzle-kit generate');
  }
  return entries as JournalEntry[];
}
