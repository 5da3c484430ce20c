import { createHash } from 'node:crypto';

/** Postgres truncates identifiers to NAMEDATALEN - 1 bytes. */
export const MAX_IDENTIFIER_BYTES = 63;

/**
 * A generated identifier (`<table>_<column>_idx`) that fits in 63 bytes.
 * Postgres would silently truncate a longer one, so two long tables could
 * collide on the same index name; instead the base is cut at a character
 * boundary and a short hash of the full base keeps names distinct and stable.
 */
export function boundedName(base: string, suffix: string): string {
  const full = base + suffix;
  if (Buffer.byteLength(full, 'utf8') <= MAX_IDENTIFIER_BYTES) return full;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 8);
  const budget = MAX_IDENTIFIER_BYTES - Buffer.byteLength(`_${hash}${suffix}`, 'utf8');
  return `${truncateUtf8(base, budget)}_${hash}${suffix}`;
}

/** The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes`, never splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let out = '';
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > maxBytes) break;
    bytes += size;
    out += char;
  }
  return out;
}
