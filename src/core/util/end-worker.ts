// Ends a worker thread that has done its work by letting it exit on its own: it is asked to (its protocol's
// last message), and only one still there after a grace period is terminated. terminate() stops a thread
// wherever it is, and in Node 20 a thread stopped while V8 still compiles code for it in the background can
// abort the whole process (NodePlatform::ForIsolate: Assertion `(data.first) != nullptr'), as it did in CI.
import type { Worker } from 'node:worker_threads';

/** How long a thread asked to end may take before it is terminated. */
const GRACE_MS = 2000;

/** Resolves once `worker` has exited: asked by `askToEnd` (not called for one already gone), terminated after the grace period. */
export function endWorker(worker: Worker, askToEnd: () => void, graceMs = GRACE_MS): Promise<void> {
  return new Promise<void>((resolve) => {
    // A thread that has exited has no id any more.
    if (worker.threadId === -1) return resolve();
    const timer = setTimeout(() => void worker.terminate().then(gone, gone), graceMs);
    function gone(): void {
      clearTimeout(timer);
      resolve();
    }
    worker.once('exit', gone);
    try {
      askToEnd();
    } catch {
      // Its port is closed already: it is on its way out.
    }
  });
}
