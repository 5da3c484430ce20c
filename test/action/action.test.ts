/**
 * The GitHub Action: action.yml checked against the schema GitHub's runner
 * expects (SchemaStore's, through @action-validator/core) and against the
 * script it runs; the script itself (action/run.mjs) run here as the
 * composite step runs it, with GitHub's files for outputs and the step summary.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateAction } from '@action-validator/core';
import { execa } from 'execa';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const actionText = await readFile(join(root, 'action.yml'), 'utf8');
const script = join(root, 'action', 'run.mjs');

interface Step {
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
const action = parse(actionText) as { inputs: Record<string, { description: string; default?: string }>; runs: { using: string; steps: Step[] } };

const temporary: string[] = [];
afterAll(async () => {
  for (const dir of temporary) await rm(dir, { recursive: true, force: true });
});

describe('action.yml', () => {
  it('is a valid action by the published schema', () => {
    expect(validateAction(actionText).errors).toEqual([]);
  });

  it('is a composite action: sets up Node, runs the script with every input, uploads SARIF even when the audit fails', () => {
    expect(action.runs.using).toBe('composite');
    const [setup, audit, upload] = action.runs.steps;
    expect(setup!.uses).toMatch(/^actions\/setup-node@v\d+$/);
    expect(audit!.run).toBe('node "$GITHUB_ACTION_PATH/action/run.mjs"');
    expect(upload!.uses).toMatch(/^github\/codeql-action\/upload-sarif@v\d+$/);
    expect(upload!.if).toMatch(/^always\(\) && /);
    for (const name of ['db', 'migrations', 'app-role', 'fail-on']) expect(Object.keys(action.inputs)).toContain(name);
    expect(action.inputs['fail-on']!.default).toBe('error');
  });

  it('declares every input it uses, and passes the script every INPUT_ variable the script reads', async () => {
    const used = [...actionText.matchAll(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g)].map((m) => m[1]!);
    for (const name of used) expect(Object.keys(action.inputs), name).toContain(name);
    const read = [...(await readFile(script, 'utf8')).matchAll(/input\('([A-Z_]+)'\)/g)].map((m) => `INPUT_${m[1]}`);
    const passed = Object.keys(action.runs.steps[1]!.env ?? {});
    for (const name of new Set(read)) expect(passed, name).toContain(name);
  });
});

describe('action/run.mjs', () => {
  async function project(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'tenantguard-action-'));
    temporary.push(dir);
    await cp(join(root, 'fixtures', 'example-app', 'drizzle'), join(dir, 'drizzle'), { recursive: true });
    await writeFile(join(dir, 'tenantguard.config.json'), JSON.stringify({ globalTables: ['plans'] }));
    await writeFile(join(dir, 'outputs'), '');
    await writeFile(join(dir, 'summary.md'), '');
    return dir;
  }

  const runAction = (cwd: string, inputs: Record<string, string>) =>
    execa(process.execPath, [script], {
      cwd,
      reject: false,
      extendEnv: false,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        GITHUB_ACTIONS: 'true',
        GITHUB_OUTPUT: join(cwd, 'outputs'),
        GITHUB_STEP_SUMMARY: join(cwd, 'summary.md'),
        GITHUB_SERVER_URL: 'https://github.com',
        TENANTGUARD_ACTION_REPOSITORY: 'acme/tenantguard',
        TENANTGUARD_ACTION_REF: 'v1',
        TENANTGUARD_CACHE_DIR: 'off',
        ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name}`, value])),
      },
    });

  it('writes SARIF, annotates the migration lines, appends the summary, sets the outputs and fails on errors', async () => {
    const cwd = await project();
    const run = await runAction(cwd, { MIGRATIONS: 'drizzle', APP_ROLE: 'app_user', FAIL_ON: 'error' });
    expect(run.exitCode, run.stderr).toBe(1);
    expect(await readFile(join(cwd, 'outputs'), 'utf8')).toBe('sarif-file=tenantguard.sarif\nexit-code=1\n');

    const sarif = JSON.parse(await readFile(join(cwd, 'tenantguard.sarif'), 'utf8'));
    const results = sarif.runs[0].results as { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[];
    expect(results.map((r) => r.ruleId)).toContain('role-bypasses-rls');
    for (const r of results) expect(r.locations[0]!.physicalLocation.artifactLocation.uri).toMatch(/^drizzle\//);
    // Code scanning links each rule's page in the action's own repository, never the runner's disk.
    for (const rule of sarif.runs[0].tool.driver.rules as { id: string; helpUri: string }[]) {
      expect(rule.helpUri).toBe(`https://github.com/acme/tenantguard/blob/v1/docs/rules/${rule.id}.md`);
    }

    expect(run.stdout).toMatch(/^::error file=drizzle\/\d+_\w+\.sql,line=\d+,title=role-bypasses-rls/m);
    expect(await readFile(join(cwd, 'summary.md'), 'utf8')).toMatch(/^### tenantguard: \d+ errors?, /);
  }, 180_000);

  it('a bad fail-on, or an audit that cannot run: exit 2, one message, no SARIF output', async () => {
    const cwd = await project();
    const bad = await runAction(cwd, { FAIL_ON: 'sometimes' });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe('tenantguard action: fail-on must be one of error, warning, info, never, got "sometimes"');

    const missing = await runAction(cwd, { MIGRATIONS: 'no-such-folder' });
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/^tenantguard: .*no-such-folder/m);
    expect(await readFile(join(cwd, 'outputs'), 'utf8')).toBe('exit-code=2\nexit-code=2\n');
  });
});
