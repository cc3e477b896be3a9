// Helper threads run at a lower priority than the thread whose pace they serve. On two cores an export's
// pass shares the machine with its texts, hashing and Parquet threads, the garbage collector's helpers and
// the file system's pool; the scheduler shares a core evenly among the threads ready to run, so the pass,
// which every other thread waits on in the end, ran about two thirds of the time. With its helpers lowered
// it runs first and they fill the rest. In the extension host the host's own thread, shared by every
// extension, comes first too. Linux only: there a thread has an id of its own, which setpriority takes; on
// other systems, or where it is refused, the thread keeps the process's priority.
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** Niceness a helper thread has above the process's main thread (19 at most): the scheduler then gives it about a tenth of a core it contends for. */
export const HELPER_NICENESS = 10;

/**
 * Puts the calling thread HELPER_NICENESS below the process's main thread; false where it could not. Call
 * it first in a helper thread. Measured from the main thread, not from the thread's own niceness, which it
 * inherits from the thread that started it: a helper's helper (the Parquet thread of an export's texts
 * thread) ranks beside its starter instead of below it, so neither waits on the other for a core.
 */
export function lowerThisThreadsPriority(): boolean {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, Math.min(19, getPriority(process.pid) + HELPER_NICENESS));
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
  if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, Math.min(19, os.getPriority(process.pid) + ${HELPER_NICENESS}));
} catch {}
`;
