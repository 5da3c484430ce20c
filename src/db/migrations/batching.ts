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

// The parse tree is untyped JSON here: only the few fields read below matter.
type Node = Record<string, any>;

const OPENS = new Set(['TRANS_STMT_BEGIN', 'TRANS_STMT_START']);
const CLOSES = new Set(['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_PREPARE']);
const ENDS_AT_COMMIT = new Set(['ONCOMMIT_DROP', 'ONCOMMIT_DELETE_ROWS']);
const NEEDS_TRANSACTION_BLOCK = new Set(['LockStmt', 'DeclareCursorStmt', 'ConstraintsSetStmt']);

/** Classify one statement from its parse tree (a `stmts[].stmt` node of libpg-query). */
export function recordTraits(statement: MigrationStatement, stmt: Node | undefined): void {
  const [type, node] = (stmt ? Object.entries(stmt)[0] : undefined) ?? ['', {}];
  let transaction: StatementTraits['transaction'] = null;
  let batchable = true;
  if (type === 'TransactionStmt') {
    batchable = false;
    // COMMIT AND CHAIN / ROLLBACK AND CHAIN start a new transaction at once.
    if (OPENS.has(node.kind) || node.chain) transaction = 'opens';
    else if (CLOSES.has(node.kind)) transaction = 'closes';
  } else if (NEEDS_TRANSACTION_BLOCK.has(type) || type === '') {
    batchable = false;
  } else if (type === 'VariableSetStmt' && (node.is_local || node.kind === 'VAR_SET_MULTI')) {
    batchable = false;
  } else if (ENDS_AT_COMMIT.has(node.oncommit) || ENDS_AT_COMMIT.has(node.into?.onCommit)) {
    batchable = false;
  } else if (/\bset_config\s*\(/i.test(statement.sql)) {
    batchable = false;
  }
  traits.set(statement, { batchable, transaction });
}

/** Traits recorded when the statement was split; undefined for statements built elsewhere. */
export function traitsOf(statement: MigrationStatement): StatementTraits | undefined {
  return traits.get(statement);
}
