/**
 * drizzle-orm's migrator applies exactly the files listed in meta/_journal.json,
 * in order, and only those whose `when` is later than the last one applied.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TenantguardError } from '../../../errors.js';
import { displayPath } from '../../write-files.js';

export interface JournalEntry {
  idx: number;
  version: string;
  when: number;
  tag: string;
  breakpoints: boolean;
}

export interface Journal {
  version: string;
  dialect: string;
  entries: JournalEntry[];
}

export function journalPath(folder: string): string {
  return path.join(folder, 'meta', '_journal.json');
}

/** The folder's journal, or null when it has none. */
export async function readJournal(folder: string, cwd: string): Promise<Journal | null> {
  const file = journalPath(folder);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const journal = JSON.parse(text) as Journal;
    if (!Array.isArray(journal.entries)) throw new Error('no entries');
    return journal;
  } catch (error) {
    throw new TenantguardError(`${displayPath(file, cwd)} is not a drizzle journal (${(error as Error).message})`, 'restore it from version control');
  }
}

/** The journal with one more entry; `when` strictly after every earlier one so the migrator applies it. */
export function appendEntry(journal: Journal, tag: string, now: Date): Journal {
  const last = journal.entries[journal.entries.length - 1];
  const entry: JournalEntry = {
    idx: last ? last.idx + 1 : 0,
    version: last?.version ?? '7',
    when: Math.max(now.getTime(), ...journal.entries.map((e) => e.when + 1)),
    tag,
    breakpoints: true,
  };
  return { ...journal, entries: [...journal.entries, entry] };
}

/** Serialised the way drizzle-kit writes it, so the diff shows only the new entry. */
export function serializeJournal(journal: Journal): string {
  return JSON.stringify(journal, null, 2);
}
