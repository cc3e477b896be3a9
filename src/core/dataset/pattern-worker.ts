// A worker thread's entry (bundled as dist/pattern-worker.js): runs pattern jobs (pattern-jobs.ts) one at a
// time and tells the host, through shared memory, which text it is on. A pattern stuck on one text cannot
// answer messages, so the host watches that counter and terminates this thread (pattern-sandbox.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { runPatternJob, type PatternJob } from './pattern-jobs.js';
import type { PatternWorkerData, PatternWorkerReply } from './pattern-sandbox.js';

const port = parentPort;
if (!port) throw new Error('pattern-worker.js runs as a worker thread');
const progress = new Int32Array((workerData as PatternWorkerData).progress);

port.on('message', (job: PatternJob) => {
  let reply: PatternWorkerReply;
  try {
    reply = { ok: true, result: runPatternJob(job, (at) => Atomics.store(progress, 0, at)) };
  } catch (err) {
    reply = { ok: false, message: (err as Error).message };
  }
  Atomics.store(progress, 0, -1);
  port.postMessage(reply, reply.ok && reply.result.op === 'test' ? [reply.result.matched.buffer as ArrayBuffer] : []);
});
