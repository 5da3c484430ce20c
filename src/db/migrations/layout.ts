import type { MigrationStatement } from '../types.js';

/**
 * One way of keeping migrations in a folder. discoverMigrations asks each
 * known layout in turn (src/db/migrations/layouts.ts); the first that
 * recognises the folder wins. Adding a layout (Supabase, Prisma, *.up.sql)
 * means adding one object to that list.
 */
export interface MigrationLayout {
  /** Short name shown to users, e.g. 'drizzle', 'plain'. */
  readonly name: string;
  /**
   * The migration files of `folder` (absolute paths) in the order they are
   * applied, or null when the folder is not in this layout. `display` turns
   * a path into the form shown to users (relative to the working directory).
   */
  listFiles(folder: string, display: (path: string) => string): Promise<string[] | null>;
  /**
   * Split one file into the statements sent to the engine, each with the
   * 1-based line where it starts. Throws SqlSyntaxError for text Postgres cannot parse.
   */
  splitStatements(text: string): Promise<MigrationStatement[]>;
  /**
   * SQL for what the platform creates before any migration runs (Supabase's
   * roles, auth schema and helpers), applied first so real migrations apply.
   */
  readonly prelude?: string;
  /**
   * Extensions the platform installs before any migration runs (Supabase:
   * pgcrypto and uuid-ossp, in schema `extensions`). Each is created in the
   * engine only when a migration names one of its objects (see extension-objects.ts).
   */
  readonly preinstalledExtensions?: { readonly schema: string; readonly names: readonly string[] };
}
