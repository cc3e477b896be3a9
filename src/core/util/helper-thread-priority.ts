// Helper threads run at a lower priority than the thread whose pace they serve. On two cores an export's
// pass shares the machine with its texts, hashing and Parquet threads, the garbage collector's helpers and
// the file system's pool; the scheduler shares a core evenly among the threads ready to run, so the pass,
// which every other thread waits on in the end, ran about two thirds of the time. With its helpers lowered
// it runs first and they fill the rest. In the extension host the host's own thread, shared by every
// extension, comes first too. Linux only: there a thread has an id of its own, which setpriority takes; on
// other systems, or where it is refused, the thread keeps the process's priority.
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** Niceness a helper thread adds to its own (19 at most): the scheduler then gives it about a tenth of a core it contends for. */
export const HELPER_NICENESS = 10;

/** Lowers the calling thread's priority by HELPER_NICENESS; false where it could not. Call it first in a helper thread. */
export function lowerThisThreadsPriority(): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, Math.min(19, getPriority(tid) + HELPER_NICENESS));
    return true;
  } catch {
    return false;
  }
}

/** lowerThisThreadsPriority for a worker given as source (eval: true), which imports nothing of the bundle. */
export const LOWER_THIS_THREADS_PRIORITY_SOURCE = `
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  const os = require('node:os');
  if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, Math.min(19, os.getPriority(tid) + ${HELPER_NICENESS}));
} catch {}
`;
