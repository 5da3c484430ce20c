/** Hands the rendered migration to its layout; each layout module is loaded only when used. */
import type { LayoutName, LayoutRequest, LayoutResult } from './layouts/types.js';

export async function writeMigration(layout: LayoutName, request: LayoutRequest): Promise<LayoutResult> {
  switch (layout) {
    case 'drizzle':
      return (await import('./layouts/drizzle.js')).writeDrizzle(request);
    case 'supabase':
      return (await import('./layouts/supabase.js')).writeSupabase(request);
    case 'plain':
      return (await import('./layouts/plain.js')).writePlain(request);
  }
}
