/**
 * Row synthesis against a real database: every row it plans inserts (types,
 * defaults, CHECK constraints, foreign keys, cycles broken by nullable
 * foreign keys, an indirect tenant table, hostile names), and every table it
 * cannot seed is reported with its reason instead of being skipped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspect } from '../../src/catalog/introspect.js';
import { buildRuleContext } from '../../src/check/context.js';
import { DEFAULT_CONFIG } from '../../src/config/types.js';
import { seedRows } from '../../src/probe/seed.js';
import { withProbeTransaction } from '../../src/probe/session.js';
import { loadParser } from '../../src/sql/parser.js';
import { planIsolation } from '../../src/isolation/plan.js';
import { withLiterals } from '../../src/isolation/statements.js';
import type { IsolationPlan } from '../../src/isolation/types.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const SCHEMA = `
CREATE ROLE app_user;
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE DOMAIN positive_int AS int CHECK (VALUE > 0);

CREATE TABLE organizations (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
-- Neither tenant nor global: rows of it are shared by both organizations' rows.
CREATE TABLE plans (code char(3) PRIMARY KEY, price numeric(6, 2) NOT NULL CHECK (price > 0 AND price < 1000));

CREATE TABLE "Order Items" (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id bigint NOT NULL REFERENCES organizations,
  "select" text NOT NULL,
  sku varchar(8) NOT NULL UNIQUE CHECK (sku ~ '^[A-Z0-9-]+$'),
  slug text NOT NULL CHECK (slug ~ '^[a-z]+$' AND length(slug) BETWEEN 3 AND 12),
  email text NOT NULL CHECK (email ~* '^[^@]+@[^@]+\\.[a-z]+$'),
  qty smallint NOT NULL CHECK (qty BETWEEN 1 AND 10),
  status text NOT NULL CHECK (status IN ('open', 'closed')),
  kind text NOT NULL CHECK (kind <> 'legacy'),
  active boolean NOT NULL CHECK (active),
  mood mood NOT NULL,
  flags boolean[] NOT NULL,
  meta jsonb NOT NULL,
  score double precision NOT NULL CHECK (score >= 0.5),
  at timestamptz NOT NULL,
  during tstzrange NOT NULL,
  ip inet NOT NULL,
  plan_code char(3) NOT NULL REFERENCES plans,
  note text,
  label text, label_code int, CHECK (label IS NOT NULL OR label_code IS NOT NULL),
  starts date NOT NULL, ends date NOT NULL, CHECK (ends > starts),
  created_at timestamptz NOT NULL DEFAULT now()
);
-- Tied to an organization only through its item.
CREATE TABLE item_notes (id serial PRIMARY KEY, item_id uuid NOT NULL REFERENCES "Order Items", body text NOT NULL);
-- A nullable self-reference and a cycle closed by a nullable foreign key.
CREATE TABLE folders (id serial PRIMARY KEY, organization_id bigint NOT NULL REFERENCES organizations, parent_id int REFERENCES folders, name text NOT NULL);
CREATE TABLE a_side (id serial PRIMARY KEY, organization_id bigint NOT NULL REFERENCES organizations, b_id int);
CREATE TABLE b_side (id serial PRIMARY KEY, organization_id bigint NOT NULL REFERENCES organizations, a_id int NOT NULL REFERENCES a_side);
ALTER TABLE a_side ADD FOREIGN KEY (b_id) REFERENCES b_side;
CREATE TABLE events (id bigserial, organization_id bigint NOT NULL REFERENCES organizations, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2001 PARTITION OF events FOR VALUES FROM ('2001-01-01') TO ('2020-01-01');

-- Cannot be seeded:
CREATE TABLE with_domain (id serial PRIMARY KEY, organization_id bigint NOT NULL REFERENCES organizations, amount positive_int NOT NULL);
CREATE TABLE opaque_check (id serial PRIMARY KEY, organization_id bigint NOT NULL REFERENCES organizations, code text NOT NULL CHECK (md5(code) = 'abc'));
CREATE TABLE loop_x (id serial PRIMARY KEY, organization_id bigint NOT NULL REFERENCES organizations, y_id int NOT NULL);
CREATE TABLE loop_y (id serial PRIMARY KEY, organization_id bigint NOT NULL REFERENCES organizations, x_id int NOT NULL REFERENCES loop_x);
ALTER TABLE loop_x ADD FOREIGN KEY (y_id) REFERENCES loop_y;
CREATE TABLE child_of_loop (id serial PRIMARY KEY, organization_id bigint NOT NULL REFERENCES organizations, x_id int NOT NULL REFERENCES loop_x);

-- No root table: the tenant ids are literals of the tenant column's type.
CREATE SCHEMA noroot;
CREATE TABLE noroot.docs (id serial PRIMARY KEY, organization_id text NOT NULL CHECK (organization_id <> ''), title text NOT NULL);
CREATE TABLE noroot.pages (id serial PRIMARY KEY, organization_id text NOT NULL, doc_id int NOT NULL REFERENCES noroot.docs, n int NOT NULL);
`;

describe('row synthesis', () => {
  let db: TestDatabase;
  const plans = new Map<string, IsolationPlan>();

  beforeAll(async () => {
    db = await createTestDatabase({ setup: SCHEMA });
    const parser = await loadParser();
    for (const schema of ['public', 'noroot']) {
      const config = { ...DEFAULT_CONFIG, appRole: db.role('app_user'), schemas: [schema] };
      const context = await buildRuleContext(await introspect(db.client, { schemas: [schema] }), config);
      plans.set(schema, await planIsolation(context.catalog, context.tenancy, { role: db.role('app_user'), nonce: 'rows', parser }));
    }
  });
  afterAll(() => db?.close());

  /** Inserts every planned row, then each table's second org-B row, in a transaction that is rolled back. */
  async function insertAll(plan: IsolationPlan): Promise<{ failed: Record<string, string>; extra: Record<string, string> }> {
    return withProbeTransaction(db.client, { statementTimeoutMs: 10_000, lockTimeoutMs: 2_000 }, async (session) => {
      const seeded = await seedRows(session, plan);
      const extra: Record<string, string> = {};
      for (const c of plan.cases) {
        try {
          await session.one('SAVEPOINT extra', withLiterals(c.insertOther, seeded.resolve));
        } catch (error) {
          await session.control('ROLLBACK TO SAVEPOINT extra');
          extra[c.table] = (error as Error).message;
        }
      }
      return { failed: Object.fromEntries(seeded.failed), extra };
    });
  }

  it('plans a row per organization for every table it can seed, and they all insert', async () => {
    const plan = plans.get('public')!;
    expect(plan.cases.map((c) => c.table).sort()).toEqual(
      // A partition has its parent's columns: it is tested on its own too (a role granted on it reads it directly).
      ['public."Order Items"', 'public.a_side', 'public.b_side', 'public.events', 'public.events_2001', 'public.folders', 'public.item_notes'].sort(),
    );
    expect(await insertAll(plan)).toEqual({ failed: {}, extra: {} });
  });

  it('reports every table it cannot seed, with the reason', () => {
    const todo = Object.fromEntries(plans.get('public')!.todo.map((t) => [t.table, t.todo]));
    expect(Object.keys(todo).sort()).toEqual(
      ['public.child_of_loop', 'public.loop_x', 'public.loop_y', 'public.opaque_check', 'public.with_domain'].sort(),
    );
    expect(todo['public.with_domain']).toMatch(/domain type positive_int/);
    expect(todo['public.opaque_check']).toMatch(/CHECK constraint opaque_check_code_check is not a simple condition/);
    expect(todo['public.loop_x']).toMatch(/NOT NULL foreign keys form a cycle: public\.loop_[xy] → public\.loop_[xy] → public\.loop_[xy]/);
    expect(todo['public.child_of_loop']).toMatch(/its parent public\.loop_x cannot be seeded/);
  });

  it('respects defaults, leaves nullable columns NULL, and fills what a CHECK requires', () => {
    const plan = plans.get('public')!;
    const row = plan.rows.find((r) => r.id === 'public.Order Items#A')!;
    const columns = (row.insert[0] as string).match(/\(([^)]*)\) VALUES/)![1]!;
    expect(columns).not.toMatch(/"id"|"created_at"|"note"|"label_code"/);
    expect(columns).toContain('"label"');
    // Org ids come from the root's identity column, read back with RETURNING.
    expect(plan.orgs).toEqual({ A: { row: 'public.organizations#A', column: 'id' }, B: { row: 'public.organizations#B', column: 'id' } });
  });

  it('breaks a cycle at the nullable foreign key', () => {
    const plan = plans.get('public')!;
    const a = plan.rows.find((r) => r.id === 'public.a_side#A')!;
    expect(a.insert.join('')).not.toContain('"b_id"');
    const ids = plan.rows.map((r) => r.id);
    expect(ids.indexOf('public.a_side#A')).toBeLessThan(ids.indexOf('public.b_side#A'));
  });

  it('ties an indirect tenant table to its organization through its parent', () => {
    const notes = plans.get('public')!.cases.find((c) => c.table === 'public.item_notes')!;
    expect(notes.moveOwn).toContainEqual({ row: 'public.Order Items#B', column: 'id' });
  });

  it('without a root table, uses literal tenant ids of the tenant column\'s type', async () => {
    const plan = plans.get('noroot')!;
    expect(plan.orgs.A).toEqual({ literal: expect.stringMatching(/^tg-a-/) });
    expect(plan.orgs.B).not.toEqual(plan.orgs.A);
    expect(plan.todo).toEqual([]);
    expect(await insertAll(plan)).toEqual({ failed: {}, extra: {} });
  });
});
