// Runs the same extension-host suite with @vscode/test-electron, on machines that can download VS Code.
// Usage: npm run test:integration:electron
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const repo = path.resolve(__dirname, '../..');
  const workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'recaption-it-ws-'));
  await runTests({
    extensionDevelopmentPath: repo,
    extensionTestsPath: path.join(repo, 'out/integration/index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { RECAPTION_TEST_WORKSPACE: workspace, ...(process.env.RECAPTION_TEST_GREP ? { RECAPTION_TEST_GREP: process.env.RECAPTION_TEST_GREP } : {}) },
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
