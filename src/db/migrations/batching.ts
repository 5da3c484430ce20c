import { tagged, type Node, type Tagged } from '../../sql/parse-tree.js';
import type { StatementTraits } from '../types.js';

const OPENS = new Set(['TRANS_STMT_BEGIN', 'TRANS_STMT_START']);
const CLOSES = new Set(['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_PREPARE']);
const ENDS_AT_COMMIT = new Set(['ONCOMMIT_DROP', 'ONCOMMIT_DELETE_ROWS']);
const NEEDS_TRANSACTION_BLOCK = new Set(['LockStmt', 'DeclareCursorStmt', 'ConstraintsSetStmt']);

/** Classify one statement from its text and parse tree (a `stmts[].stmt` node of libpg-query). */
export function statementTraits(sql: string, stmt: Node | undefined): StatementTraits {
  const t = stmt ? tagged(stmt) : null;
  let transaction: StatementTraits['transaction'] = null;
  let batchable = true;
  if (t?.tag === 'TransactionStmt') {
    batchable = false;
    // COMMIT AND CHAIN / ROLLBACK AND CHAIN start a new transaction at once.
    if (OPENS.has(t.fields.kind ?? '') || t.fields.chain) transaction = 'opens';
    else if (CLOSES.has(t.fields.kind ?? '')) transaction = 'closes';
  } else if (!t || NEEDS_TRANSACTION_BLOCK.has(t.tag)) {
    batchable = false;
  } else if (t.tag === 'VariableSetStmt' && (t.fields.is_local || t.fields.kind === 'VAR_SET_MULTI')) {
    batchable = false;
  } else if (endsAtCommit(t)) {
    batchable = false;
  } else if (/\bset_config\s*\(/i.test(sql)) {
    batchable = false;
  }
  return { batchable, transaction, session: changesSession(sql, stmt, t) };
}

/** Statements that keep state in the session only, past their own transaction. */
const SESSION_STATEMENTS = new Set(['PrepareStmt', 'DeclareCursorStmt', 'LoadStmt']);

/**
 * Whether the statement may leave state in the session beyond its
 * transaction: a setting (`SET` without `LOCAL`, `SET ROLE`, `RESET`,
 * `set_config(…)`), a temporary object, a prepared statement or a cursor.
 * Later files run in that session; a data directory restored from a snapshot
 * starts a new one without it, so no snapshot is taken after such a
 * statement. A `DO` block counts when its body sets or resets something, runs
 * dynamic `SET`, or names temporary objects; a function that changes settings
 * when a migration calls it is not seen.
 */
function changesSession(sql: string, stmt: Node | undefined, t: Tagged | null): boolean {
  if (!t) return true;
  if (t.tag === 'VariableSetStmt') return !t.fields.is_local;
  if (SESSION_STATEMENTS.has(t.tag)) return true;
  // A function body runs only when called, not when the function is created.
  if (t.tag !== 'CreateFunctionStmt' && /\bset_config\s*\(/i.test(sql)) return true;
  if (/\bpg_temp\b/i.test(sql) || JSON.stringify(stmt).includes('"relpersistence":"t"')) return true;
  if (t.tag === 'DoStmt') return SESSION_IN_BODY.test(sql);
  return false;
}

/** In a DO body: a SET/RESET statement (not `UPDATE … SET`), dynamic SQL starting with one, or a temporary object. */
const SESSION_IN_BODY = /(?:^|;|\bbegin|\bthen|\belse|\bloop|\bexecute\s+(?:format\s*\(\s*)?'|\$\$)\s*(?:set|reset)\s|\btemp(?:orary)?\b/i;

/** A temporary table that is dropped or emptied at COMMIT (CREATE TEMP TABLE / CREATE TEMP TABLE AS). */
function endsAtCommit(t: Tagged): boolean {
  if (t.tag === 'CreateStmt') return ENDS_AT_COMMIT.has(t.fields.oncommit ?? '');
  if (t.tag === 'CreateTableAsStmt') return ENDS_AT_COMMIT.has(t.fields.into?.onCommit ?? '');
  return false;
}
