import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyBaseline,
  createBaseline,
  parseBaseline,
  readBaseline,
  renderBaseline,
  writeBaseline,
} from '../../src/check/baseline.js';
import { sampleResult } from '../report/sample-results.js';

const dir = await mkdtemp(join(tmpdir(), 'tenantguard-baseline-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('baseline', () => {
  it('is sorted by rule, object, fingerprint and identical whatever the finding order', () => {
    const text = renderBaseline(createBaseline(sampleResult.findings));
    const reversed = renderBaseline(createBaseline([...sampleResult.findings].reverse()));
    expect(reversed).toBe(text);
    const entries = parseBaseline(text, 'b.json').findings;
    expect(entries.map((e) => e.rule)).toEqual(['context-not-wrapped', 'rls-disabled', 'rls-not-forced', 'with-check-missing']);
    expect(entries[3]).toEqual({ fingerprint: '1122334455667788', rule: 'with-check-missing', object: 'public.tasks.tenant_write' });
    // One finding per line, so a pull request diff shows exactly what was accepted.
    expect(text.split('\n').filter((l) => l.includes('"fingerprint"'))).toHaveLength(4);
  });

  it('hides baselined findings, recounts severities and reports stale entries', () => {
    const baseline = createBaseline(sampleResult.findings.slice(0, 2));
    baseline.findings.push({ fingerprint: 'gone', rule: 'rls-disabled', object: 'public.old' });
    const { result, suppressed, stale } = applyBaseline(sampleResult, baseline);
    expect(result.findings.map((f) => f.rule)).toEqual(['rls-not-forced', 'context-not-wrapped']);
    expect(result.summary).toEqual({ ...sampleResult.summary, error: 0, warning: 1, info: 1 });
    expect(suppressed).toBe(2);
    expect(stale.map((e) => e.fingerprint)).toEqual(['gone']);
  });

  it('hides nothing new: a finding with a fingerprint outside the baseline is reported', () => {
    const baseline = createBaseline(sampleResult.findings);
    const added = { ...sampleResult.findings[0]!, fingerprint: 'new-one' };
    const { result } = applyBaseline({ ...sampleResult, findings: [...sampleResult.findings, added] }, baseline);
    expect(result.findings).toEqual([added]);
    expect(result.summary.error).toBe(1);
  });

  it('round-trips through a file', async () => {
    const path = join(dir, 'nested', 'baseline.json');
    await writeBaseline(path, createBaseline(sampleResult.findings));
    expect(await readBaseline(path, 'baseline.json')).toEqual(createBaseline(sampleResult.findings));
    expect(await readFile(path, 'utf8')).toBe(renderBaseline(createBaseline(sampleResult.findings)));
  });

  it('explains a missing or broken file', async () => {
    await expect(readBaseline(join(dir, 'nope.json'), 'nope.json')).rejects.toThrow('baseline file nope.json does not exist');
    expect(() => parseBaseline('{"tool":"tenantguard",', 'b.json')).toThrow(/^b\.json: invalid JSON/);
    expect(() => parseBaseline('{"findings":[]}', 'b.json')).toThrow('not a tenantguard baseline');
    expect(() => parseBaseline('{"tool":"tenantguard","baselineVersion":1,"findings":[{"rule":"x"}]}', 'b.json')).toThrow(
      'b.json: findings[0].fingerprint: expected a non-empty string',
    );
  });
});
