import { beforeAll, describe, expect, it } from 'vitest';
import { wrapContextCalls } from '../../src/scaffold/migration/wrap-context.js';
import { loadParser, type SqlParser } from '../../src/sql/parser.js';

let parser: SqlParser;
beforeAll(async () => {
  parser = await loadParser();
});

describe('wrapContextCalls', () => {
  it('wraps each per-row context call, leaving the rest of the expression as it is', () => {
    expect(wrapContextCalls(parser, "((organization_id = (current_setting('app.current_org_id'::text, true))::integer) OR is_admin())")).toBe(
      "((organization_id = ((SELECT current_setting('app.current_org_id'::text, true)))::integer) OR is_admin())",
    );
    expect(wrapContextCalls(parser, '(owner_id = auth.uid())')).toBe('(owner_id = (SELECT auth.uid()))');
  });

  it('leaves calls already in a subquery alone, and counts offsets in bytes', () => {
    const wrapped = "(organization_id = (SELECT (current_setting('app.org'::text))::integer))";
    expect(wrapContextCalls(parser, wrapped)).toBe(wrapped);
    expect(wrapContextCalls(parser, "((name <> 'ünï(') AND (org = pg_catalog.current_setting('a.b')))")).toBe(
      "((name <> 'ünï(') AND (org = (SELECT pg_catalog.current_setting('a.b'))))",
    );
  });
});
