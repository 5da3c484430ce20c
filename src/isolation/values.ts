/**
 * A literal for one column of one synthesized row, chosen from the column's
 * type and the restrictions its simple CHECK constraints put on it. Values are
 * derived from a hash of (nonce, table, column, row tag), so two rows never
 * collide on a UNIQUE column and a run with a fresh nonce never collides with
 * rows already in the database.
 */
import { createHash } from 'node:crypto';
import type { Column } from '../catalog/types.js';

/** What simple CHECK constraints require of one column (see check-constraints.ts). */
export interface ColumnRules {
  /** The value must be one of these (`IN (…)`, `= 'x'`). */
  oneOf: string[] | null;
  /** The value must be none of these (`<> 'x'`, `NOT IN (…)`). */
  noneOf: string[];
  min: Bound | null;
  max: Bound | null;
  minLength: number | null;
  maxLength: number | null;
  /** POSIX regular expressions the value must (or must not) match (`~`, `~*`, `!~`). */
  patterns: { source: string; caseInsensitive: boolean; negated: boolean }[];
  /** Order among columns compared with each other (`ends_at > starts_at`): a higher rank gets a larger value. */
  rank: number;
  /** Compared with another column: derive the value from the row's base, shared by those columns. */
  ordered: boolean;
}

export interface Bound {
  value: number;
  inclusive: boolean;
}

export function noRules(): ColumnRules {
  return { oneOf: null, noneOf: [], min: null, max: null, minLength: null, maxLength: null, patterns: [], rank: 0, ordered: false };
}

export type Synthesized = { literal: string } | { unsupported: string };

export interface ValueSeed {
  nonce: string;
  /** `schema.table` */
  table: string;
  /** Row tag: A, B, B2 (the row inserted by the checks), shared. */
  tag: string;
}

function digest(seed: ValueSeed, column: string): string {
  return createHash('sha256').update(`${seed.nonce}\0${seed.table}\0${column}\0${seed.tag}`).digest('hex');
}

/** A number in [0, range) from the hash. */
function pick(hex: string, range: number): number {
  return Number(BigInt(`0x${hex.slice(0, 13)}`) % BigInt(Math.max(1, Math.floor(range))));
}

function uuidFrom(hex: string): string {
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** `character varying(64)` → 64; `character(2)` → 2; no modifier → null. */
function lengthModifier(type: string): number | null {
  const match = /^(?:character varying|varchar|character|char|bit varying|bit)\((\d+)\)/.exec(type);
  return match ? Number(match[1]) : null;
}

/** `numeric(10,2)` → the largest integer part that fits (10^8 - 1). */
function numericLimit(type: string): number {
  const match = /^numeric\((\d+)(?:,(\d+))?\)/.exec(type);
  if (!match) return 1e9;
  return 10 ** Math.min(15, Number(match[1]) - Number(match[2] ?? 0)) - 1;
}

const INTEGER_LIMITS: Record<string, number> = { int2: 32_767, int4: 2_147_483_647, int8: 9e15 };
const NUMERIC_TYPES = new Set(['int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'money', 'oid']);
const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar', 'citext', 'name']);
const TEMPORAL_TYPES = new Set(['date', 'timestamp', 'timestamptz', 'time', 'timetz', 'interval']);

export function isOrderable(column: Column): boolean {
  return NUMERIC_TYPES.has(column.typeName) || TEMPORAL_TYPES.has(column.typeName);
}

function numberFor(column: Column, rules: ColumnRules, hex: string): Synthesized {
  const integer = column.typeName in INTEGER_LIMITS;
  const typeMax = INTEGER_LIMITS[column.typeName] ?? (column.typeName === 'numeric' ? numericLimit(column.type) : 1e9);
  let lo = 1;
  let hi = Math.min(typeMax, 1_000_000_000);
  if (rules.min) lo = Math.max(lo, rules.min.inclusive ? Math.ceil(rules.min.value) : Math.floor(rules.min.value) + 1);
  if (rules.max) hi = Math.min(hi, rules.max.inclusive ? Math.floor(rules.max.value) : Math.ceil(rules.max.value) - 1);
  if (rules.min && !rules.max && lo > hi) hi = Math.min(typeMax, lo + 1_000_000);
  if (rules.max && !rules.min && hi < lo) lo = Math.max(-typeMax, hi - 1_000_000);
  if (lo > hi) {
    // A range narrower than one integer (0 < x < 1) is still satisfiable by a fraction on non-integer types.
    if (!integer && rules.min && rules.max && rules.min.value < rules.max.value) {
      return { literal: String((rules.min.value + rules.max.value) / 2) };
    }
    return { unsupported: `no ${column.type} value satisfies the CHECK constraints on "${column.name}"` };
  }
  // Ranked columns (a < b) share the row's base so that a larger rank means a larger value.
  const span = hi - lo + 1;
  const base = span > 1000 ? lo + pick(hex, Math.min(span - 100, 1_000_000_000)) : lo;
  for (let offset = 0; offset < Math.min(span, 50); offset++) {
    const value = Math.min(hi, base + rules.rank + offset);
    if (!rules.noneOf.includes(String(value))) return { literal: String(value) };
  }
  return { unsupported: `no ${column.type} value satisfies the CHECK constraints on "${column.name}"` };
}

function temporalFor(column: Column, rules: ColumnRules, hex: string): string {
  // Ordered columns differ by whole days (or hours for times), from a per-row base date.
  const day = new Date(Date.UTC(2001, 0, 1) + (pick(hex, 3000) + rules.rank) * 86_400_000);
  const date = day.toISOString().slice(0, 10);
  switch (column.typeName) {
    case 'date':
      return date;
    case 'timestamp':
      return `${date} 12:00:00`;
    case 'timestamptz':
      return `${date} 12:00:00+00`;
    case 'time':
      return `${String(1 + rules.rank).padStart(2, '0')}:00:00`;
    case 'timetz':
      return `${String(1 + rules.rank).padStart(2, '0')}:00:00+00`;
    default:
      return `${1 + rules.rank} hours`;
  }
}

/**
 * Candidate texts, most natural first: a prefix naming the row, then a unique
 * tail in the candidate's own alphabet (so shortening or lengthening a
 * lower-case slug keeps it lower-case, a digit string keeps it digits).
 */
function* textCandidates(column: Column, seed: ValueSeed, hex: string): Generator<{ prefix: string; tail: string; suffix: string }> {
  const tag = seed.tag.toLowerCase();
  const mail = { prefix: `tg-${tag}-`, tail: hex, suffix: '@example.com' };
  if (/mail/i.test(column.name)) yield mail;
  yield { prefix: `tg-${tag}-`, tail: hex, suffix: '' };
  yield { prefix: `tg${tag}`, tail: hex, suffix: '' };
  yield { prefix: `tg_${tag}_`, tail: hex, suffix: '' };
  yield { prefix: `TG-${tag.toUpperCase()}-`, tail: hex.toUpperCase(), suffix: '' };
  yield { prefix: 'TG', tail: hex.toUpperCase().replace(/[0-9]/g, (d) => 'GHIJKLMNOP'[Number(d)]!), suffix: '' };
  yield { prefix: 'tg', tail: hex.replace(/[0-9]/g, (d) => 'ghijklmnop'[Number(d)]!), suffix: '' };
  if (!/mail/i.test(column.name)) yield mail;
  yield { prefix: '1', tail: BigInt(`0x${hex.slice(0, 24)}`).toString().padStart(24, '0'), suffix: '' };
}

/** prefix + tail + suffix, with the tail (what keeps rows apart) cut or grown to fit the length bounds. */
function fit(candidate: { prefix: string; tail: string; suffix: string }, min: number, max: number): string | null {
  const fixed = candidate.prefix.length + candidate.suffix.length;
  const natural = fixed + 10;
  const length = Math.min(max, Math.max(min, natural));
  if (length < fixed) {
    // Too short for the prefix: the tail alone.
    return length >= 1 && candidate.suffix === '' ? candidate.tail.repeat(4).slice(0, length) : null;
  }
  return candidate.prefix + candidate.tail.repeat(4).slice(0, length - fixed) + candidate.suffix;
}

function meetsTextRules(value: string, rules: ColumnRules): boolean {
  if (rules.minLength !== null && [...value].length < rules.minLength) return false;
  if (rules.maxLength !== null && [...value].length > rules.maxLength) return false;
  if (rules.noneOf.includes(value)) return false;
  return rules.patterns.every((p) => {
    let regex: RegExp;
    try {
      regex = new RegExp(p.source, p.caseInsensitive ? 'iu' : 'u');
    } catch {
      return false;
    }
    return regex.test(value) !== p.negated;
  });
}

function textFor(column: Column, rules: ColumnRules, seed: ValueSeed, hex: string): Synthesized {
  const limit = lengthModifier(column.type);
  const max = Math.min(limit ?? Infinity, rules.maxLength ?? Infinity, 200);
  const min = Math.max(rules.minLength ?? 0, column.typeName === 'bpchar' && limit !== null ? limit : 0);
  for (const candidate of textCandidates(column, seed, hex)) {
    const value = fit(candidate, min, max);
    if (value !== null && meetsTextRules(value, rules)) return { literal: value };
  }
  return { unsupported: `no generated text satisfies the CHECK constraints on "${column.name}"` };
}

function rangeFor(typeName: string): string | null {
  switch (typeName) {
    case 'int4range':
    case 'int8range':
    case 'numrange':
      return '[1,2)';
    case 'daterange':
      return '[2001-01-01,2001-01-02)';
    case 'tsrange':
      return '[2001-01-01 00:00,2001-01-02 00:00)';
    case 'tstzrange':
      return '[2001-01-01 00:00+00,2001-01-02 00:00+00)';
    default:
      return null;
  }
}

const FIXED: Record<string, string> = {
  json: '{}',
  jsonb: '{}',
  bytea: '\\x7467',
  inet: '192.0.2.1',
  cidr: '192.0.2.0/24',
  macaddr: '08:00:2b:01:02:03',
  macaddr8: '08:00:2b:01:02:03:04:05',
  tsvector: '',
  tsquery: 'tenantguard',
  xml: '<tenantguard/>',
  point: '(0,0)',
  bit: '0',
  varbit: '0',
  char: 't',
};

/** A literal for `column` of the row described by `seed` that meets `rules`, or why there is none. */
export function synthesizeValue(column: Column, rules: ColumnRules, seed: ValueSeed): Synthesized {
  const hex = digest(seed, rules.ordered ? '' : column.name);
  const choose = (candidates: string[]): Synthesized => {
    const allowed = candidates.filter((v) => (rules.oneOf === null || rules.oneOf.includes(v)) && !rules.noneOf.includes(v));
    return allowed.length > 0
      ? { literal: allowed[0]! }
      : { unsupported: `no value of ${column.type} satisfies the CHECK constraints on "${column.name}"` };
  };

  if (column.typeName.startsWith('_') || column.type.endsWith('[]')) return { literal: '{}' };
  if (column.typeCategory === 'e') return choose(column.enumValues ?? []);
  if (rules.oneOf !== null) return choose(rules.oneOf);
  if (column.typeCategory === 'd') return { unsupported: `column "${column.name}" has domain type ${column.type}, whose base type and checks are not known` };
  if (column.typeCategory === 'c') return { unsupported: `column "${column.name}" has composite type ${column.type}` };
  if (column.typeCategory === 'm') return { literal: '{}' };
  if (column.typeCategory === 'r') {
    const range = rangeFor(column.typeName);
    return range === null ? { unsupported: `column "${column.name}" has range type ${column.type}` } : { literal: range };
  }

  const name = column.typeName;
  if (name === 'uuid') return { literal: uuidFrom(hex) };
  if (name === 'bool') return choose(['true', 'false']);
  if (NUMERIC_TYPES.has(name) && name !== 'oid') return numberFor(column, rules, hex);
  if (TEMPORAL_TYPES.has(name)) return { literal: temporalFor(column, rules, hex) };
  if (TEXT_TYPES.has(name)) return textFor(column, rules, seed, hex);
  if (name === 'inet' || name === 'cidr') return { literal: name === 'inet' ? `192.0.2.${1 + pick(hex, 254)}` : FIXED[name]! };
  if (name in FIXED) return { literal: FIXED[name]! };
  return { unsupported: `column "${column.name}" has type ${column.type}, which tenantguard cannot generate values for` };
}
