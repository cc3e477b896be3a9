// Runs contenders (a path and its floor, or several paths sharing one floor) side by side in alternating
// rounds: the order is reversed every other round, so that none always runs first (on a colder cache) or
// last (behind the others' writeback). On a shared machine the ratio of the best times is the figure.
import { spawn } from 'node:child_process';
import * as os from 'node:os';

export interface Contender {
  name: string;
  /** One timed run, in seconds (set-up and clean-up outside the timing are its own business). */
  run: (round: number) => Promise<number>;
}

export interface RoundsResult {
  /** Seconds of each run, per contender name, in round order. */
  seconds: Record<string, number[]>;
  /** The 1-minute load average before the first run and after the last. */
  load: [number, number];
}

/** Writes back every dirty page before a timed run, so that no run pays for the previous one's writes. */
export function syncDisks(): Promise<void> {
  if (process.platform === 'win32') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const child = spawn('sync', [], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve());
  });
}

export async function alternatingRounds(rounds: number, contenders: readonly Contender[], log: (line: string) => void): Promise<RoundsResult> {
  const seconds: Record<string, number[]> = Object.fromEntries(contenders.map((c) => [c.name, []]));
  const loadBefore = os.loadavg()[0]!;
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    const times: string[] = [];
    for (const c of order) {
      await syncDisks();
      const s = await c.run(round);
      seconds[c.name]!.push(s);
      times.push(`${c.name} ${s.toFixed(2)} s`);
    }
    log(`round ${round + 1}/${rounds}: ${times.join(', ')} (load ${os.loadavg()[0]!.toFixed(1)})`);
  }
  return { seconds, load: [loadBefore, os.loadavg()[0]!] };
}

export const best = (xs: readonly number[]): number => Math.min(...xs);
