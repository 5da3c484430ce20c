import { tagged, type Node, type Tagged } from '../../sql/parse-tree.js';
import type { MigrationStatement } from '../types.js';

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
}

const traits = new WeakMap<MigrationStatement, StatementTraits>();


const OPENS = new Set(['TRANS_STMT_BEGIN', 'TRANS_STMT_START']);
const CLOSES = new Set(['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_PREPARE']);
const ENDS_AT_COMMIT = new Set(['ONCOMMIT_DROP', 'ONCOMMIT_DELETE_ROWS']);
const NEEDS_TRANSACTION_BLOCK = new Set(['LockStmt', 'DeclareCursorStmt', 'ConstraintsSetStmt']);

/** Classify one statement from its parse tree (a `stmts[].stmt` node of libpg-query). */
export function recordTraits(statement: MigrationStatement, stmt: Node | undefined): void {
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
  } else if (/\bset_config\s*\(/i.test(statement.sql)) {
    batchable = false;
  }
  traits.set(statement, { batchable, transaction });
}

/** A temporary table that is dropped or emptied at COMMIT (CREATE TEMP TABLE / CREATE TEMP TABLE AS). */
function endsAtCommit(t: Tagged): boolean {
  if (t.tag === 'CreateStmt') return ENDS_AT_COMMIT.has(t.fields.oncommit ?? '');
  if (t.tag === 'CreateTableAsStmt') return ENDS_AT_COMMIT.has(t.fields.into?.onCommit ?? '');
  return false;
}

/** Traits recorded when the statement was split; undefined for statements built elsewhere. */
export function traitsOf(statement: MigrationStatement): StatementTraits | undefined {
  return traits.get(statement);
}
