// Entry point VS Code's test runner loads (extensionTestsPath): runs every *.test.js beside it with mocha.
// The same module serves @vscode/test-electron and code-server's smoke-test driver.
import Mocha from 'mocha';
import { readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  const grep = process.env.RECAPTION_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(path.join(__dirname, file));
  const failures: string[] = [];
  let passed = 0;
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', () => passed++);
    runner.on('fail', (test, err: Error) => failures.push(`${test.fullTitle()}: ${err.stack ?? err.message}`));
  });
  // A summary file the code-server runner reads: console output may not leave the browser's extension host.
  const report = process.env.RECAPTION_TEST_REPORT;
  if (report) writeFileSync(report, JSON.stringify({ passed, failures }, null, 2));
  if (failures.length > 0) throw new Error(`${failures.length} extension-host test(s) failed:\n${failures.join('\n\n')}`);
}
