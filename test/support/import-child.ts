// `recaption import` in a child process, as a user runs it, watched from outside: how long it ran, the
// most memory it held, what it said. A child that passes the memory or time bound is killed, so a test
// of a hostile file can fail without taking the test runner (or the machine) down with it.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const PEAK_HOOK = path.join(__dirname, 'report-peak-rss.mjs');

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  /** Stderr without the peak line. */
  stderr: string;
  wallMs: number;
  /** What the child said at exit, else the most the watchdog saw. */
  peakRssBytes: number;
  /** Why the watchdog killed it, if it did. */
  killed: 'time' | 'memory' | null;
}

export interface ChildLimits {
  timeoutMs: number;
  maxRssBytes: number;
  /** Sends SIGINT this long after the start. */
  interruptAfterMs?: number;
}

async function residentBytes(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return kb === undefined ? 0 : Number(kb) * 1024;
}

/** Runs `node --import tsx src/cli/main.ts import ...args` from the repository root. */
export function runImportCli(args: readonly string[], limits: ChildLimits): Promise<ChildRun> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', PEAK_HOOK, 'src/cli/main.ts', 'import', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let watched = 0;
  let killed: ChildRun['killed'] = null;
  const watchdog = setInterval(() => {
    void residentBytes(child.pid!).then((rss) => {
      watched = Math.max(watched, rss);
      if (rss > limits.maxRssBytes && killed === null) {
        killed = 'memory';
        child.kill('SIGKILL');
      }
    });
  }, 50);
  const deadline = setTimeout(() => {
    killed ??= 'time';
    child.kill('SIGKILL');
  }, limits.timeoutMs);
  const interrupt = limits.interruptAfterMs === undefined ? null : setTimeout(() => child.kill('SIGINT'), limits.interruptAfterMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(watchdog);
      clearTimeout(deadline);
      if (interrupt) clearTimeout(interrupt);
      const reported = /\n@peak-rss (\d+)\n/.exec(stderr);
      resolve({
        code,
        signal,
        stdout,
        stderr: stderr.replace(/\n@peak-rss \d+\n/, '').trim(),
        wallMs: performance.now() - started,
        peakRssBytes: reported ? Number(reported[1]) : watched,
        killed,
      });
    });
  });
}
