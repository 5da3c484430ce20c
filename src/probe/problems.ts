/**
 * Probe leaks as problems of the two probe rules, so they become ordinary
 * findings (severity overrides, ignores, fingerprints, every reporter). The
 * registered rules report nothing from the catalog alone; a probe run swaps in
 * versions that report what it observed.
 */
import probeCrossTenantRead from '../rules/probe-cross-tenant-read.js';
import probeCrossTenantWrite from '../rules/probe-cross-tenant-write.js';
import type { Problem, Rule } from '../rules/types.js';
import type { Tenancy } from '../tenancy/types.js';
import { describeLeak } from '../isolation/verdicts.js';
import type { ProbeLeak } from './findings.js';
import type { ProbeReport } from './probe.js';

function problemFor(tenancy: Tenancy, role: string, leak: ProbeLeak): Problem {
  const table = tenancy.tenantTableByKey.get(leak.case.key)!.table;
  return {
    object: { kind: 'table', schema: table.schema, name: table.name },
    message: describeLeak({ ...leak, role }),
    key: leak.key,
  };
}

export function probeProblems(tenancy: Tenancy, report: ProbeReport, kind: 'read' | 'write'): Problem[] {
  return report.leaks.filter((leak) => leak.kind === kind).map((leak) => problemFor(tenancy, report.role.role, leak));
}

/** The rule list with the probe rules in it reporting what `report` observed. */
export function withProbeEvidence(rules: readonly Rule[], tenancy: Tenancy, report: ProbeReport): Rule[] {
  const live = new Map<string, Rule>([
    [probeCrossTenantRead.id, { ...probeCrossTenantRead, check: () => probeProblems(tenancy, report, 'read') }],
    [probeCrossTenantWrite.id, { ...probeCrossTenantWrite, check: () => probeProblems(tenancy, report, 'write') }],
  ]);
  return rules.map((rule) => live.get(rule.id) ?? rule);
}
