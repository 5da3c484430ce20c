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
  return { batchable, transaction };
}

/** A temporary table that is dropped or emptied at COMMIT (CREATE TEMP TABLE / CREATE TEMP TABLE AS). */
function endsAtCommit(t: Tagged): boolean {
  if (t.tag === 'CreateStmt') return ENDS_AT_COMMIT.has(t.fields.oncommit ?? '');
  if (t.tag === 'CreateTableAsStmt') return ENDS_AT_COMMIT.has(t.fields.into?.onCommit ?? '');
  return false;
}
