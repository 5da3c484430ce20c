import type { AuditOptions } from '../audit.js';
import { TenantguardError } from '../errors.js';
import type { ProbeReport } from '../probe/probe.js';
import type { Io } from './io.js';

/** Why the exit code is 2 although the report was written: a check that could not conclude is never a pass. */
function inconclusiveError(report: ProbeReport): TenantguardError {
  const tables = new Set(report.inconclusive.map((i) => i.table)).size;
  const checks = report.inconclusive.length;
  return new TenantguardError(
    `${checks} probe check${checks === 1 ? '' : 's'} on ${tables} table${tables === 1 ? '' : 's'} ${checks === 1 ? 'was' : 'were'} inconclusive (listed above)`,
    'fix what each line names, or pass --allow-inconclusive to exit on the findings alone',
  );
}

/**
 * The probe part of an audit request, for `probe` and `audit --probe`: warns
 * about what a rolled-back transaction still does, prints what could not be
 * probed, and turns the first SIGINT into a rollback (a second one ends the
 * process; the server then rolls back when the connection closes).
 * `conclude` fails, after the report is out, when a check was inconclusive.
 */
export async function probeRequest(
  io: Io,
  tables: string[] | undefined,
): Promise<{ probe: NonNullable<AuditOptions['probe']>; dispose(): void; conclude(allowInconclusive: boolean): void }> {
  const { PROBE_SIDE_EFFECTS } = await import('../probe/probe.js');
  io.stderr.write(`warning: ${PROBE_SIDE_EFFECTS}\n`);
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  let observed: ProbeReport | null = null;
  return {
    probe: {
      signal: controller.signal,
      tables,
      onProgress: (message) => {
        if (io.isTTY) io.stderr.write(`probe: ${message}\n`);
      },
      onReport: (report: ProbeReport) => {
        observed = report;
        const how = report.role.how === 'only-candidate' ? ' (the only role besides the owners with privileges on tenant tables)' : '';
        io.stderr.write(`Probed ${report.tablesProbed} tenant table${report.tablesProbed === 1 ? '' : 's'} as ${report.role.role}${how}; rolled back\n`);
        for (const note of report.notes) io.stderr.write(`  note: ${note}\n`);
        for (const check of report.inconclusive) io.stderr.write(`  inconclusive: ${check.table}: ${check.reason}\n`);
      },
    },
    dispose: () => process.removeListener('SIGINT', interrupt),
    conclude: (allowInconclusive) => {
      const report = observed as ProbeReport | null;
      if (report && report.inconclusive.length > 0 && !allowInconclusive) throw inconclusiveError(report);
    },
  };
}
