// The one answer of a worker thread that answers once: its first message, or why there is none (it failed,
// or exited before answering). The hashing thread and the CUDA library search answer this way.
import type { Worker } from 'node:worker_threads';

/** Resolves with `worker`'s first message; `what` names the thread in the error when it exits first. */
export function firstMessage<T>(worker: Worker, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    worker.once('message', (message: T) => resolve(message));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${what} stopped (exit code ${code}) before it answered`)));
  });
}
