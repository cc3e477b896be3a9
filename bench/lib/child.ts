// Runs one measured step in its own Node process, so that its peak RSS (getrusage maxrss) is its own and
// nothing a previous step allocated is counted. The child gets its arguments as JSON and writes its result
// as JSON to a file; stderr passes through for progress.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

/** tsx's loader by absolute URL, so children start from any working folder. */
const TSX = pathToFileURL(require.resolve('tsx')).href;

/** What every child reports besides its own fields. */
export interface ChildResult {
  /** Peak resident set size of the child process, MiB. */
  peakRssMiB: number;
}

export async function runChild<T extends ChildResult>(script: string, args: unknown, nodeFlags: string[] = []): Promise<T> {
  const resultFile = path.join(os.tmpdir(), `recaption-bench-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [...nodeFlags, '--import', TSX, script, JSON.stringify(args), resultFile], { stdio: ['ignore', 'inherit', 'inherit'] });
      child.on('error', reject);
      child.on('exit', (c, signal) => resolve(signal ? -1 : c));
    });
    if (code !== 0) throw new Error(`${path.basename(script)} ${JSON.stringify(args)} exited with ${code}`);
    return JSON.parse(await fs.readFile(resultFile, 'utf8')) as T;
  } finally {
    await fs.rm(resultFile, { force: true });
  }
}

/** The child side: parse the arguments, run, write the result with the peak RSS added. */
export function childMain<A, R extends object>(run: (args: A) => Promise<R>): void {
  const [argsJson, resultFile] = process.argv.slice(2);
  if (!argsJson || !resultFile) {
    process.stderr.write('this is a bench step; run it through `npm run bench`\n');
    process.exitCode = 2;
    return;
  }
  run(JSON.parse(argsJson) as A)
    .then(async (result) => {
      const peakRssMiB = process.resourceUsage().maxRSS / 1024;
      await fs.writeFile(resultFile, JSON.stringify({ ...result, peakRssMiB }));
    })
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    });
}
