/**
 * Renders statement parts two ways: with `$n` parameters (the generated suite
 * passes values separately) or with quoted literals (the probe batches
 * several statements into one round trip, which the extended protocol cannot).
 */
import { quoteLiteral } from '../sql/quote.js';
import type { SeedValue, StatementPart } from './types.js';

export interface ParameterizedStatement {
  sql: string;
  params: SeedValue[];
}

export function withParameters(parts: readonly StatementPart[]): ParameterizedStatement {
  let sql = '';
  const params: SeedValue[] = [];
  for (const part of parts) {
    if (typeof part === 'string') sql += part;
    else {
      params.push(part);
      sql += `$${params.length}`;
    }
  }
  return { sql, params };
}

/** `resolve` turns a value into its text (a seeded row's column read back through RETURNING). */
export function withLiterals(parts: readonly StatementPart[], resolve: (value: SeedValue) => string): string {
  return parts.map((part) => (typeof part === 'string' ? part : quoteLiteral(resolve(part)))).join('');
}
