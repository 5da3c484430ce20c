/**
 * Write checks of many tables in one round trip: a DO block runs each write
 * with EXECUTE inside its own BEGIN … EXCEPTION block — a subtransaction —
 * and ends every one by raising, so each write is rolled back right after
 * it ran, whatever it did. The outcome (rows touched, or the error's
 * SQLSTATE and message) is collected and left in a transaction-local setting
 * for one SELECT to read. A write that touched a row is first confirmed as
 * the connected role (RESET ROLE inside the same subtransaction, undone with it).
 * Every operator and function the block itself uses is schema-qualified.
 *
 * The block runs as the app role, which needs USAGE on plpgsql (granted to
 * PUBLIC by default); when it cannot run, the probe falls back to one round
 * trip per write.
 */
import { writeOutcomeOfError, type WriteOutcome } from '../isolation/verdicts.js';
import { quoteLiteral } from '../sql/quote.js';

export interface BlockWrite {
  sql: string;
  /** Counts org B's rows, run as the connected role when the write touched a row; null when not needed. */
  confirm: string | null;
}

export const RESULTS_SETTING = 'tenantguard.write_results';
const ROLLED_BACK = 'TGRBK';

/** A dollar-quote tag that does not occur in the body. */
function dollarTag(body: string): string {
  let n = 0;
  while (body.includes(`$tenantguard${n}$`)) n++;
  return `$tenantguard${n}$`;
}

export function writeBlock(writes: readonly BlockWrite[], setting: string, orgB: string): string {
  const steps = writes.map((write) => {
    const confirm = write.confirm
      ? `IF affected OPERATOR(pg_catalog.>) 0 THEN
      EXECUTE 'RESET ROLE';
      PERFORM pg_catalog.set_config(${quoteLiteral(setting)}, ${quoteLiteral(orgB)}, true);
      EXECUTE ${quoteLiteral(write.confirm)} INTO landed;
    END IF;`
      : '';
    return `  BEGIN
    landed := NULL;
    EXECUTE ${quoteLiteral(write.sql)};
    GET DIAGNOSTICS affected = ROW_COUNT;
    ${confirm}
    RAISE EXCEPTION USING ERRCODE = '${ROLLED_BACK}', MESSAGE = pg_catalog.format('%s/%s', affected, landed);
  EXCEPTION WHEN OTHERS THEN
    results := pg_catalog.array_append(results, pg_catalog.format('%s %s', SQLSTATE, SQLERRM));
  END;`;
  });
  const body = `
DECLARE
  results pg_catalog.text[] := '{}';
  affected pg_catalog.int8;
  landed pg_catalog.int8;
BEGIN
${steps.join('\n')}
  PERFORM pg_catalog.set_config(${quoteLiteral(RESULTS_SETTING)}, pg_catalog.array_to_json(results)::pg_catalog.text, true);
END
`;
  const tag = dollarTag(body);
  return `DO ${tag}${body}${tag}`;
}

/** One outcome per write, in order, from the JSON the block left behind. */
export function parseWriteResults(json: string): WriteOutcome[] {
  return (JSON.parse(json) as string[]).map((entry) => {
    const space = entry.indexOf(' ');
    const state = entry.slice(0, space);
    const message = entry.slice(space + 1);
    if (state === ROLLED_BACK) {
      const [rows, landed] = message.split('/') as [string, string];
      return { rows: Number(rows), landed: landed === '' ? null : Number(landed) };
    }
    return writeOutcomeOfError(state, message);
  });
}
