// Runs a command as the user runs it, as a whole Node process, and times it from spawn to exit: start-up,
// module loading and the exit's flushes are part of the figure, for a command and its floor alike.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');
/** The built CLI (`npm run build`), as `recaption` runs it. */
export const BUILT_CLI = path.join(REPO, 'dist', 'cli.js');

export interface ProcessRun {
  seconds: number;
  stdout: string;
}

/** Lines of a failed command's stderr kept for its error message. */
const STDERR_TAIL = 4000;

/** `node <script> ...args`, timed whole; throws with the stderr's tail when it exits non-zero. */
export function runNodeProcess(script: string, args: readonly string[], options: { cwd?: string; nodeFlags?: readonly string[] } = {}): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), script, ...args], { cwd: options.cwd ?? REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err = (err + b.toString('utf8')).slice(-STDERR_TAIL)));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) resolve({ seconds, stdout: Buffer.concat(out).toString('utf8') });
      else reject(new Error(`${path.relative(REPO, script)} ${args.join(' ')} exited with ${signal ?? code}:\n${err}`));
    });
  });
}

/** `recaption <args>`, from `cli` (a bundle as dist/cli.js is). */
export function runCli(cli: string, args: readonly string[]): Promise<ProcessRun> {
  return runNodeProcess(cli, args);
}

/**
 * Removes a folder in a process of its own where `rm` exists: removing a hundred thousand files grows a
 * Node process by hundreds of MB, and the timings beside it should not share a heap with that.
 */
export async function removeTree(folder: string): Promise<void> {
  if (process.platform === 'win32') return fs.rm(folder, { recursive: true, force: true });
  await new Promise<void>((resolve, reject) => {
    const child = spawn('rm', ['-rf', '--', folder], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`rm -rf ${folder} exited with ${code}`))));
  });
}
