// A worker thread's entry (bundled as dist/habit-texts-worker.js): the habit report of the texts it is sent
// (a dataset's, for Show Caption Report and stats --report), with their defect flags from the same scans.
// Measuring every caption costs about as much as reading the records, so it runs here, on another core;
// the audit stays with the sender.
import { parentPort, workerData } from 'node:worker_threads';
import type { HabitTextsReply, HabitTextsRequest } from './habit-texts-protocol.js';
import { HabitTextsReceiver, isHabitTextsSetup } from './habit-texts-receiver.js';
import { lowerThisThreadsPriority } from '../util/helper-thread-priority.js';

const port = parentPort;
if (!port) throw new Error('habit-texts-worker.js runs as a worker thread');
if (!isHabitTextsSetup(workerData)) throw new Error('habit-texts-worker.js is started with { loopPhrases, sample }');
// It serves the thread reading the records (the extension host's, or stats'): util/helper-thread-priority.ts.
lowerThisThreadsPriority();
const receiver = new HabitTextsReceiver(workerData);

port.on('message', (request: HabitTextsRequest) => {
  try {
    if ('chunk' in request) {
      receiver.add(request.chunk, request.expected);
      port.postMessage({ measured: true } satisfies HabitTextsReply);
    } else if ('stop' in request) {
      port.close();
    } else {
      port.postMessage({ texts: receiver.finish() } satisfies HabitTextsReply);
      // Answered: the thread exits on its own (util/end-worker.ts).
      port.close();
    }
  } catch (err) {
    port.postMessage({ error: `the caption habit report: ${err instanceof Error ? err.message : String(err)}` } satisfies HabitTextsReply);
    port.close();
  }
});
