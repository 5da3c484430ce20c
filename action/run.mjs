#!/usr/bin/env node
/**
 * The steps of the tenantguard GitHub Action (action.yml), as one script so
 * that they run, and are tested, the same way outside GitHub: audit once for
 * code scanning (SARIF, never failing, so the upload always has a file) and
 * once as the gate (annotations on stdout, the Markdown summary appended to
 * $GITHUB_STEP_SUMMARY by the CLI, exit code by --fail-on). Outputs go to
 * $GITHUB_OUTPUT: sarif-file, exit-code.
 *
 * Inputs arrive as INPUT_* environment variables (action.yml maps them):
 * DB, MIGRATIONS, APP_ROLE, FAIL_ON, CONFIG, SARIF_FILE, DOCS_BASE_URL, ARGS.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const env = process.env;
const input = (name) => (env[`INPUT_${name}`] ?? '').trim();
const actionRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The project's own tenantguard when it installed one (the version it pinned), else this action's copy. */
function tenantguardCommand() {
  const local = resolve('node_modules', 'tenantguard', 'bin', 'tenantguard.js');
  if (existsSync(local)) return [process.execPath, local];
  const bundled = join(actionRoot, 'bin', 'tenantguard.js');
  if (!existsSync(join(actionRoot, 'dist', 'cli', 'main.js'))) {
    // A checkout of the action has no dist/: install its dependencies, which builds it (npm `prepare`).
    const built = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: actionRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    if (built.status !== 0) fail('could not build tenantguard in the action folder', 2);
  }
  return [process.execPath, bundled];
}

function fail(message, code) {
  process.stderr.write(`tenantguard action: ${message}\n`);
  setOutput('exit-code', String(code));
  process.exit(code);
}

function setOutput(name, value) {
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, `${name}=${value}\n`);
}

/** The config's docsBaseUrl wins over the action's default (the environment would override it). */
function configSetsDocsBaseUrl() {
  const file = input('CONFIG') || 'tenantguard.config.json';
  try {
    return Object.hasOwn(JSON.parse(readFileSync(file, 'utf8')), 'docsBaseUrl');
  } catch {
    return false;
  }
}

/**
 * Code scanning shows each rule's help link on another machine: point it at a
 * URL, never at the runner's file system. Given input, else the docs of the
 * repository and ref the action was taken from.
 */
function docsBaseUrl() {
  if (input('DOCS_BASE_URL')) return input('DOCS_BASE_URL');
  if (env.TENANTGUARD_DOCS_BASE_URL || configSetsDocsBaseUrl()) return undefined;
  const repository = env.TENANTGUARD_ACTION_REPOSITORY;
  const ref = env.TENANTGUARD_ACTION_REF;
  if (!repository || !ref) return undefined;
  return `${env.GITHUB_SERVER_URL || 'https://github.com'}/${repository}/blob/${ref}/docs/rules/`;
}

const FAIL_ON = ['error', 'warning', 'info', 'never'];
const failOn = input('FAIL_ON') || 'error';
if (!FAIL_ON.includes(failOn)) fail(`fail-on must be one of ${FAIL_ON.join(', ')}, got "${failOn}"`, 2);
const sarifFile = input('SARIF_FILE') || 'tenantguard.sarif';

const common = ['audit'];
if (input('DB')) common.push('--db', input('DB'));
if (input('MIGRATIONS')) common.push('--migrations', input('MIGRATIONS'));
if (!input('DB') && !input('MIGRATIONS')) common.push('--offline');
if (input('APP_ROLE')) common.push('--app-role', input('APP_ROLE'));
if (input('CONFIG')) common.push('--config', input('CONFIG'));
// Extra flags, whitespace-separated (e.g. "--baseline tenantguard.baseline.json --schema public").
if (input('ARGS')) common.push(...input('ARGS').split(/\s+/));

const [node, bin] = tenantguardCommand();
const docs = docsBaseUrl();
const childEnv = { ...env, ...(docs ? { TENANTGUARD_DOCS_BASE_URL: docs } : {}) };
const run = (args, stdio) => spawnSync(node, [bin, ...common, ...args], { env: childEnv, stdio });

// 1. SARIF for code scanning; --fail-on never: exit 0, or 2 when the audit itself failed.
const sarif = run(['--format', 'sarif', '--output', sarifFile, '--fail-on', 'never'], ['ignore', 'inherit', 'inherit']);
if (sarif.status !== 0) fail(`the audit failed (exit ${sarif.status ?? 'signal'}): see the message above`, sarif.status || 2);
setOutput('sarif-file', sarifFile);

// 2. The gate: annotations and the step summary (GITHUB_STEP_SUMMARY), exit code by --fail-on.
const gate = run(['--format', 'github', '--fail-on', failOn], ['ignore', 'inherit', 'inherit']);
const code = gate.status ?? 2;
setOutput('exit-code', String(code));
process.exit(code);
