import type pg from 'pg';
import type { ObjectKind } from '../sql/object-name.js';
import type { Connection } from './transaction.js';

/** Anything that runs a query like a pg.Client: a live connection or the embedded engine's adapter. */
export type Queryable = { query: pg.Client['query'] };

/** One statement of a migration file, as it was sent to the engine. */
export interface MigrationStatement {
  /** The statement text, without its terminating semicolon. */
  sql: string;
  /** 1-based line in the file where the statement's first token is. */
  line: number;
  /**
   * How it may be applied with the rest of its file, from its parse tree;
   * absent for statements a layout builds itself, which run one by one.
   */
  traits?: StatementTraits;
  /** Why the embedded engine must not run it (it runs a program or touches server files); absent when it may. */
  hostAccess?: string;
}

/**
 * What applying a file as one batch needs to know about each statement,
 * taken from the parse tree the splitter already has (so nothing is parsed
 * twice). Statements not classified here (a layout that builds its own
 * statement objects) make their file run statement by statement.
 */
export interface StatementTraits {
  /**
   * False when running the statement inside a transaction with the rest of
   * its file could succeed where running it on its own (its own implicit
   * transaction, as psql does) fails, or change what later statements see:
   * transaction control, LOCK and DECLARE CURSOR (an error outside a
   * transaction block), SET LOCAL / SET CONSTRAINTS / set_config(…, true)
   * (scoped to the transaction), temporary tables ON COMMIT DROP/DELETE ROWS.
   */
  batchable: boolean;
  /** Effect on the session's transaction block: BEGIN opens one, COMMIT/ROLLBACK/PREPARE TRANSACTION close it. */
  transaction: 'opens' | 'closes' | null;
  /**
   * True when it may leave state in the session past its transaction (a
   * setting, the role, a temporary table, a prepared statement): a data
   * directory restored from a snapshot taken after it would not carry it.
   */
  session: boolean;
}

/** One migration file, split into statements, in the order it was applied. */
export interface MigrationFile {
  /** Absolute path. */
  path: string;
  /** Path relative to the working directory, as shown to users (file:line). */
  displayPath: string;
  statements: MigrationStatement[];
}

/** Name of the layout a migrations folder was recognised as. */
export type MigrationLayoutName = string;

/** Migrations discovered in a folder, before they are applied. */
export interface DiscoveredMigrations {
  layout: MigrationLayoutName;
  /** Absolute path of the folder. */
  folder: string;
  files: MigrationFile[];
  /** SQL run before the first file: what the platform provides (see MigrationLayout.prelude). */
  prelude?: string;
  /** Platform extensions the prelude creates (the migrations name their objects), for the engine to load. */
  platformExtensions?: string[];
}

/** An object a statement creates (read from its parse tree); schema null = unqualified. */
export interface CreatedObject {
  kind: 'table' | 'view' | 'function' | 'type' | 'schema';
  schema: string | null;
  name: string;
  /** Column names, for tables. */
  columns?: string[];
}

/** A statement that was not applied, and why. */
export interface SkippedStatement {
  file: string;
  line: number;
  reason: string;
  /** What it would have created (a table the audit then cannot see). */
  creates?: CreatedObject[];
}

/**
 * What applying the first files left besides the engine's data directory,
 * and what a snapshot of that directory carries with it: later files'
 * skipping depends on it, and the report lists every skipped statement.
 */
export interface PrefixState {
  /** How many files (setup files first) were applied. */
  files: number;
  skipped: SkippedStatement[];
  /** Extensions found unavailable, and what the statements skipped for them would have created (see unavailable.ts). */
  unavailable: UnavailableState;
}

/** The memory of UnavailablePieces, as plain data. */
export interface UnavailableState {
  extensions: string[];
  skipped: { object: CreatedObject; at: string }[];
}

/** Migrations that were applied, in order, to the embedded engine. */
export interface AppliedMigrations extends DiscoveredMigrations {
  /** Statements skipped because they need an extension the embedded engine lacks (or an object such a statement creates). */
  skipped: SkippedStatement[];
}

/** Which database was read: a live one, or the migrations folder applied to the embedded engine. */
export interface Source {
  kind: 'database' | 'migrations';
  /** Database name, or the migrations folder. */
  name: string;
}

/** A place in a repository file: where a migration created or changed an object. */
export interface SourceLocation {
  /** Path relative to the working directory, with forward slashes. */
  file: string;
  /** 1-based line of the statement's first token. */
  line: number;
}

/** How a migration statement changed an object. */
export type MigrationAction = 'create' | 'alter' | 'enable-rls' | 'disable-rls' | 'force-rls' | 'no-force-rls';

/** An object a migration created, with where it was created and changed afterwards (in apply order). */
export interface TrackedObject {
  kind: Exclude<ObjectKind, 'role' | 'schema' | 'database'>;
  schema: string;
  name: string;
  /** The table a policy, column, constraint or index belongs to. */
  table?: string;
  /** The statement that (last) created it; null when it predates the migrations (e.g. platform schemas). */
  created: SourceLocation | null;
  changes: { action: MigrationAction; location: SourceLocation }[];
}

/** What the migration files did, statement by statement, under the objects' final names. */
export interface MigrationHistory {
  /** Layout the folder was recognised as: drizzle, supabase, prisma, up-sql, plain. */
  layout: string;
  /** Migration files in apply order (paths relative to the working directory). */
  files: string[];
  objects: TrackedObject[];
  /** Tables whose CREATE TABLE was skipped (it needs an extension the embedded engine lacks): not in the catalog. */
  skippedTables?: SkippedTable[];
}

/** A table a skipped migration statement would have created. */
export interface SkippedTable {
  schema: string;
  name: string;
  columns: string[];
  location: SourceLocation;
  /** Why the statement was skipped. */
  reason: string;
}

/** What to audit, as the CLI or the API asks for it. */
export interface SourceRequest {
  /** --db URL */
  db?: string;
  /** --migrations DIR (relative to cwd) */
  migrations?: string;
  cwd: string;
  env: Record<string, string | undefined>;
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  /** Progress lines for stderr (starting the embedded engine, applying migration 3/12 …). */
  onProgress?: (message: string) => void;
  /** SQL files (absolute paths) applied to the embedded engine before the migrations (`--setup`, config `setup`). */
  setup?: readonly string[];
  /** Never read a database URL from the environment or .env files: only a migrations folder (pre-commit hooks). */
  offline?: boolean;
}

/** An open database: a live server, or the embedded engine with the migrations applied. */
export interface OpenedSource {
  /** The client and the limits every transaction on it runs under (open them with transaction.ts). */
  connection: Connection;
  source: Source;
  /** One line for stderr; never contains a password. */
  description: string;
  /** The applied migrations, null for a live database. */
  migrations: AppliedMigrations | null;
  /** Ends the connection (and stops the embedded engine). Safe to call twice. */
  close(): Promise<void>;
}
