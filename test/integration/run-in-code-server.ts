// Runs the extension-host suite (out/integration/index.js) inside code-server: the workbench's smoke-test
// driver loads the extension from this checkout (extensionDevelopmentPath) and the suite
// (extensionTestsPath) from the payload, and reports through codeAutomationLog / codeAutomationExit.
// Usage: npm run test:integration   (builds, installs code-server once via scripts/e2e-setup.sh)
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';
import { REPO, launchBrowser, startCodeServer } from '../e2e/harness.js';
import { ensureGeneratedModel, modelOptions } from '../../bench/lib/bench-model.js';
import { writeModel } from '../support/models/tiny-models.js';

/**
 * The Florence-2-base-sized model (the bench's, fp32 weights only) that the engine test captions with while
 * it pages the editor; generated once into the git-ignored .e2e/ and reused while its options match.
 */
async function baseSizedModel(): Promise<string> {
  const options = { ...modelOptions('base'), dtypes: ['fp32'] as const };
  const folder = path.join(process.env.RECAPTION_E2E_DIR ?? path.join(REPO, '.e2e'), 'models', 'florence2-base-fp32');
  const made = await ensureGeneratedModel(folder, options, (f) => writeModel(f, 'florence2', options));
  if (made.generatedSeconds !== null) process.stdout.write(`generated the Florence-2-base-sized test model in ${made.generatedSeconds.toFixed(0)} s\n`);
  return folder;
}

const TIMEOUT_MS = Number(process.env.RECAPTION_TEST_TIMEOUT_MS ?? 300_000);

async function main(): Promise<number> {
  const baseModel = await baseSizedModel();
  const workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-it-ws-'));
  const report = path.join(workspace, '..', `${path.basename(workspace)}-report.json`);
  const server = await startCodeServer({
    workspace,
    extraArgs: ['--vscode-option', 'enable-smoke-test-driver'],
    env: { RECAPTION_TEST_WORKSPACE: workspace, RECAPTION_TEST_REPORT: report, RECAPTION_TEST_BASE_MODEL: baseModel, ...(process.env.RECAPTION_TEST_GREP ? { RECAPTION_TEST_GREP: process.env.RECAPTION_TEST_GREP } : {}) },
  });
  const { context, page } = await launchBrowser(server.root);
  try {
    let exitCode: number | null = null;
    const log: string[] = [];
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      const list = Array.isArray(args) ? args : [args];
      const text = `${type === 'error' ? '[error] ' : ''}${format(...list)}\n`;
      log.push(text);
      // The workbench's own chatter (stack traces from offline gallery lookups) goes to the log file only.
      if (!/workbench\.js|^\s+at |Creating a socket|connection token|AccountPolicyGate|AgentHost|open-vsx|authentication provider/.test(text)) process.stdout.write(text);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => {
      exitCode = code;
    });
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remote(REPO)],
      ['extensionTestsPath', remote(path.join(REPO, 'out/integration/index.js'))],
    ]);
    const started = Date.now();
    await page.goto(server.url(`&payload=${encodeURIComponent(payload)}`));
    while (exitCode === null && Date.now() - started < TIMEOUT_MS) await page.waitForTimeout(200);
    await fs.writeFile(path.join(REPO, 'test-artifacts', 'integration-log.txt'), log.join(''));
    const summary = await fs.readFile(report, 'utf8').then((t) => JSON.parse(t) as { passed: number; failures: string[] }, () => null);
    if (summary) {
      process.stdout.write(`\nextension-host tests: ${summary.passed} passed, ${summary.failures.length} failed (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      for (const f of summary.failures) process.stdout.write(`FAIL ${f}\n`);
    }
    if (exitCode === null) {
      process.stderr.write(`timed out after ${TIMEOUT_MS} ms; code-server log: ${server.logFile}\n`);
      await page.screenshot({ path: path.join(REPO, 'test-artifacts', 'integration-timeout.png') }).catch(() => undefined);
      return 2;
    }
    return summary && summary.failures.length === 0 && exitCode === 0 ? 0 : 1;
  } finally {
    await context.close().catch(() => undefined);
    await server.stop();
  }
}

void fs
  .mkdir(path.join(REPO, 'test-artifacts'), { recursive: true })
  .then(main)
  .catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    return 1;
  })
  .then((code) => process.exit(code));
