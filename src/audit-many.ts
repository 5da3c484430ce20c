/**
 * One audit over many databases (a database per region or per large
 * customer): each is audited on its own connection, at most `concurrency` at
 * a time, and the results are merged into one report in which every finding
 * names its source. A database that cannot be audited is reported as failed
 * without stopping the others.
 */
import { createHash } from 'node:crypto';
import { auditDetailed, type AuditOptions, type AuditRun } from './audit.js';
import type { AuditResult, Finding, SourceSummary, Summary } from './check/types.js';
import { parseDatabaseUrl } from './db/url.js';
import { isTenantguardError } from './errors.js';

export interface ManyAuditOptions extends Omit<AuditOptions, 'db' | 'migrations' | 'offline' | 'onProgress'> {
  /** Database URLs (or `$NAME` references to environment variables holding them). */
  databases: readonly string[];
  /** How many databases are audited at once. */
  concurrency: number;
}

export interface ManyAuditRun {
  result: AuditResult;
  /** Each database's own run, in the order given; null when it failed. */
  runs: { source: string; run: AuditRun | null; error: unknown }[];
}

/** `$EU_DATABASE_URL` or `${EU_DATABASE_URL}` in a config file: the URL stays out of the repository. */
export function resolveDatabaseUrl(entry: string, env: Record<string, string | undefined>): string {
  const reference = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(entry.trim());
  return reference ? (env[reference[1]!] ?? '') : entry;
}

/** `db.example.com:5432/app`: which database, never the credentials. */
export function sourceLabel(url: string, env: Record<string, string | undefined>): string {
  try {
    const target = parseDatabaseUrl(url, env);
    const host = target.host.startsWith('/') ? target.host : target.host.includes(':') ? `[${target.host}]` : target.host;
    return `${host}:${target.port}/${target.database}`;
  } catch {
    return 'an unreadable URL';
  }
}

/** Runs `task` over `items`, at most `limit` at a time, results in input order. */
async function boundedMap<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

/**
 * The same problem in two databases is two findings: the fingerprint (what
 * baselines and code scanning match on) includes the source.
 */
function inSource(finding: Finding, source: string): Finding {
  const fingerprint = createHash('sha256').update(`${source}\0${finding.fingerprint}`).digest('hex').slice(0, finding.fingerprint.length);
  return { ...finding, source, fingerprint };
}

/** The counts every summary has (`tenantSchemas` only with a schema-per-tenant glob). */
const COUNTS = ['error', 'warning', 'info', 'tables', 'tenantTables'] as const satisfies readonly (keyof Summary)[];

export async function auditMany(options: ManyAuditOptions): Promise<ManyAuditRun> {
  const env = options.env ?? process.env;
  const urls = options.databases.map((entry) => resolveDatabaseUrl(entry, env));
  const labels = urls.map((url) => sourceLabel(url, env));
  // Two entries for one database would double its findings: label them apart.
  const seen = new Map<string, number>();
  const sources = labels.map((label) => {
    const count = (seen.get(label) ?? 0) + 1;
    seen.set(label, count);
    return count === 1 ? label : `${label}#${count}`;
  });
  const runs = await boundedMap(urls, options.concurrency, async (url, i) => {
    try {
      const run = await auditDetailed({ ...options, db: url, onSource: (description) => options.onSource?.(description) });
      return { source: sources[i]!, run, error: null as unknown };
    } catch (error) {
      if (!isTenantguardError(error)) throw error;
      return { source: sources[i]!, run: null, error: error as unknown };
    }
  });

  // Database by database, in the order given; each one's findings in the audit's own order.
  const findings = runs.flatMap(({ source, run }) => (run ? run.result.findings.map((finding) => inSource(finding, source)) : []));
  const summary: Summary = { error: 0, warning: 0, info: 0, tables: 0, tenantTables: 0 };
  const perSource: SourceSummary[] = runs.map(({ source, run, error }) => {
    if (!run) return { name: source, failed: (error as Error).message.split('\n')[0]! };
    for (const key of COUNTS) summary[key] += run.result.summary[key];
    if (run.result.summary.tenantSchemas !== undefined) summary.tenantSchemas = (summary.tenantSchemas ?? 0) + run.result.summary.tenantSchemas;
    return { name: source, summary: run.result.summary };
  });
  const first = runs.find((r) => r.run)?.run?.result;
  const result: AuditResult = {
    tool: 'tenantguard',
    version: first?.version ?? (await import('./version.js')).packageVersion(),
    schemaVersion: 1,
    source: { kind: 'database', name: `${runs.length} databases` },
    findings,
    summary,
    sources: perSource,
  };
  return { result, runs };
}
