import type { MigrationTemplates, RenderedMigration } from '../render.js';
import type { MigrationPlan } from '../types.js';

export const LAYOUTS = ['drizzle', 'supabase', 'plain'] as const;
export type LayoutName = (typeof LAYOUTS)[number];

/** Everything a layout needs to put the rendered migration where the project's runner finds it. */
export interface LayoutRequest {
  cwd: string;
  /** --out, when given. */
  out: string | null;
  /** --name: the migration's name, safe for file names. */
  name: string;
  /** Only for file names and journal entries, never inside the SQL. */
  now: Date;
  plan: MigrationPlan;
  rendered: RenderedMigration;
  templates: MigrationTemplates;
  dryRun: boolean;
  force: boolean;
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface LayoutResult {
  /** Absolute paths written (empty on a dry run). */
  written: string[];
  /** What to run next to apply it. */
  nextCommand: string;
}

/** `yyyymmddhhmmss` in UTC, the version prefix Supabase and plain folders sort by. */
export function utcStamp(now: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    String(now.getUTCFullYear()).padStart(4, '0') +
    two(now.getUTCMonth() + 1) +
    two(now.getUTCDate()) +
    two(now.getUTCHours()) +
    two(now.getUTCMinutes()) +
    two(now.getUTCSeconds())
  );
}
