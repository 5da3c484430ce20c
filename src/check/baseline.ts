import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TenantguardError } from '../errors.js';
import { qualifiedObjectName } from '../sql/object-name.js';
import type { AuditResult, Finding } from './types.js';

/**
 * A baseline records the fingerprints of findings a team has accepted for
 * now, so CI fails only on new ones. Rule and object are stored beside each
 * fingerprint for reviewers; only the fingerprint is matched.
 */
export interface BaselineEntry {
  fingerprint: string;
  rule: string;
  object: string;
}

export interface Baseline {
  tool: 'tenantguard';
  baselineVersion: 1;
  findings: BaselineEntry[];
}

export const DEFAULT_BASELINE_FILE = 'tenantguard.baseline.json';

function invalid(display: string, problem: string): TenantguardError {
  return new TenantguardError(`${display}: ${problem}`, 'regenerate it with tenantguard audit --update-baseline');
}

/** Parses and checks a baseline file's text; `display` names the file in errors. */
export function parseBaseline(text: string, display: string): Baseline {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw invalid(display, `invalid JSON (${(error as Error).message.split('\n')[0]})`);
  }
  const record = raw as Record<string, unknown> | null;
  if (typeof record !== 'object' || record === null || record.tool !== 'tenantguard' || !Array.isArray(record.findings)) {
    throw invalid(display, 'not a tenantguard baseline (expected { "tool": "tenantguard", "findings": [...] })');
  }
  if (record.baselineVersion !== 1) throw invalid(display, `unsupported baselineVersion ${JSON.stringify(record.baselineVersion)}`);
  const findings = record.findings.map((entry: unknown, i: number): BaselineEntry => {
    const e = entry as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || typeof e.fingerprint !== 'string' || e.fingerprint === '') {
      throw invalid(display, `findings[${i}].fingerprint: expected a non-empty string`);
    }
    return { fingerprint: e.fingerprint, rule: String(e.rule ?? ''), object: String(e.object ?? '') };
  });
  return { tool: 'tenantguard', baselineVersion: 1, findings };
}

/** The baseline for a set of findings: one entry per fingerprint, sorted so diffs stay small and readable. */
export function createBaseline(findings: readonly Finding[]): Baseline {
  const byFingerprint = new Map<string, BaselineEntry>();
  for (const f of findings) {
    byFingerprint.set(f.fingerprint, { fingerprint: f.fingerprint, rule: f.rule, object: qualifiedObjectName(f.object) });
  }
  const entries = [...byFingerprint.values()].sort(
    (a, b) => compare(a.rule, b.rule) || compare(a.object, b.object) || compare(a.fingerprint, b.fingerprint),
  );
  return { tool: 'tenantguard', baselineVersion: 1, findings: entries };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One entry per line: reviewable in a pull request, stable byte for byte for the same findings. */
export function renderBaseline(baseline: Baseline): string {
  const lines = baseline.findings.map((e) => `    ${JSON.stringify(e)}`);
  const body = lines.length > 0 ? `[\n${lines.join(',\n')}\n  ]` : '[]';
  return `{\n  "tool": "tenantguard",\n  "baselineVersion": 1,\n  "findings": ${body}\n}\n`;
}

export interface BaselineComparison {
  /** The result with baselined findings removed and the severity counts recomputed. */
  result: AuditResult;
  /** How many findings the baseline hid. */
  suppressed: number;
  /** Baseline entries that no longer occur (fixed, or the object is gone). */
  stale: BaselineEntry[];
}

/** Keeps only findings whose fingerprint is not in the baseline. Pure. */
export function applyBaseline(result: AuditResult, baseline: Baseline): BaselineComparison {
  const accepted = new Set(baseline.findings.map((e) => e.fingerprint));
  const current = new Set(result.findings.map((f) => f.fingerprint));
  const findings = result.findings.filter((f) => !accepted.has(f.fingerprint));
  const count = (severity: Finding['severity']) => findings.filter((f) => f.severity === severity).length;
  return {
    result: { ...result, findings, summary: { ...result.summary, error: count('error'), warning: count('warning'), info: count('info') } },
    suppressed: result.findings.length - findings.length,
    stale: baseline.findings.filter((e) => !current.has(e.fingerprint)),
  };
}

export async function readBaseline(path: string, display: string): Promise<Baseline> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TenantguardError(
      code === 'ENOENT' ? `baseline file ${display} does not exist` : `cannot read baseline file ${display} (${code ?? 'error'})`,
      'create it with tenantguard audit --baseline FILE --update-baseline',
    );
  }
  return parseBaseline(text, display);
}

export async function writeBaseline(path: string, baseline: Baseline): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, renderBaseline(baseline), 'utf8');
}
